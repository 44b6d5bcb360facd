package helm

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"strings"
	"text/template"
	"time"
)

// A template's nondeterministic functions (random strings, UUIDs, the
// clock, generated keys and certificates) would make every render differ
// from the last: the diff preview would show noise on every pull request.
// Each render gets its own stream, seeded from the release and the chart,
// and a fixed clock, and these functions draw from them. They keep the
// signatures and the forms of output of Helm's (sprig's) functions.
//
// Go derives no RSA or ECDSA signature, nor any RSA key, from a given
// reader any more (its crypto draws from the system), so generated keys
// are Ed25519 (ECDSA P-256 when a template asks for ecdsa), derived from
// the stream, and certificates are signed with them: what a verification
// renders is checked and thrown away, never deployed. htpasswd and bcrypt
// give a stand-in of bcrypt's form derived from the input, not a hash that
// checks the password.

// DefaultClock is the time a render's now and date functions read when
// the request names none: fixed, so that renders agree from run to run.
var DefaultClock = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// maxSequence bounds the lists until, untilStep and seq build, and
// maxRepeat what repeat builds: a template that asks for a billion items
// is stopped, not left to fill the memory.
const (
	maxSequence = 1_000_000
	maxRepeat   = 16 << 20
)

// session is the state of one render's functions.
type session struct {
	ctx      context.Context
	rand     *rand.Rand
	clock    time.Time
	deadline time.Time
	steps    int64
	maxSteps int64
	lookups  int
	stopped  error
}

func newSession(ctx context.Context, seed string, clock time.Time, lim Limits) *session {
	sum := sha256.Sum256([]byte(seed))
	if clock.IsZero() {
		clock = DefaultClock
	}
	return &session{ctx: ctx, rand: rand.New(rand.NewChaCha8(sum)), clock: clock, deadline: time.Now().Add(lim.Timeout), maxSteps: lim.MaxSteps}
}

// errStopped is why a render was stopped.
var errStopped = errors.New("stopped")

// tick is called at every iteration of a range and every call of a
// defined template (instrument puts the calls there): past the step
// budget or the time limit, the render stops with an error.
func (s *session) tick() (string, error) {
	s.steps++
	if s.steps > s.maxSteps {
		s.stopped = fmt.Errorf("%w: more than %d loop iterations and template calls (a range or include that does not end?)", errStopped, s.maxSteps)
		return "", s.stopped
	}
	if s.steps&1023 == 0 {
		if err := s.ctx.Err(); err != nil {
			s.stopped = err
			return "", err
		}
		if time.Now().After(s.deadline) {
			s.stopped = fmt.Errorf("%w: the render took longer than its time limit (a template that loops?)", errStopped)
			return "", s.stopped
		}
	}
	return "", nil
}

// funcs are the functions a render's templates get on top of Helm's.
func (s *session) funcs() template.FuncMap {
	return template.FuncMap{
		tickFunc: s.tick,
		"lookup": func(string, string, string, string) (map[string]any, error) {
			s.lookups++
			return map[string]any{}, nil
		},

		"randAlphaNum": func(n int) string { return s.chars(n, alphaNum) },
		"randAlpha":    func(n int) string { return s.chars(n, alpha) },
		"randNumeric":  func(n int) string { return s.chars(n, digits) },
		"randAscii":    func(n int) string { return s.chars(n, ascii) },
		"randBytes": func(n int) (string, error) {
			if n < 0 || n > maxRepeat {
				return "", fmt.Errorf("randBytes: %d bytes is out of bounds", n)
			}
			return base64.StdEncoding.EncodeToString(s.bytes(n)), nil
		},
		"randInt": func(lo, hi int) int {
			if hi <= lo {
				return lo
			}
			return lo + s.rand.IntN(hi-lo)
		},
		"uuidv4":  s.uuid,
		"shuffle": s.shuffle,

		"now":            func() time.Time { return s.clock },
		"ago":            func(d any) string { return s.clock.Sub(toTime(d, s.clock)).Round(time.Second).String() },
		"date":           func(f string, d any) string { return s.dateInZone(f, d, "Local") },
		"dateInZone":     s.dateInZone,
		"date_in_zone":   s.dateInZone,
		"htmlDate":       func(d any) string { return s.dateInZone("2006-01-02", d, "Local") },
		"htmlDateInZone": func(d any, zone string) string { return s.dateInZone("2006-01-02", d, zone) },

		"until":     func(n int) ([]int, error) { return boundedUntil(0, n, sign(n)) },
		"untilStep": boundedUntil,
		"seq":       boundedSeq,
		"repeat": func(n int, str string) (string, error) {
			if n > 0 && len(str) > 0 && n > maxRepeat/len(str) {
				return "", fmt.Errorf("repeat: %d times %d bytes is over the limit of %d bytes", n, len(str), maxRepeat)
			}
			return strings.Repeat(str, max(n, 0)), nil
		},

		"bcrypt":   func(in string) string { return s.bcrypt(in) },
		"htpasswd": s.htpasswd,

		"encryptAES": s.encryptAES,

		"genPrivateKey":            s.genPrivateKey,
		"buildCustomCert":          buildCustomCert,
		"genCA":                    s.genCA,
		"genCAWithKey":             s.genCAWithKey,
		"genSelfSignedCert":        s.genSelfSignedCert,
		"genSelfSignedCertWithKey": s.genSelfSignedCertWithKey,
		"genSignedCert":            s.genSignedCert,
		"genSignedCertWithKey":     s.genSignedCertWithKey,
	}
}

// tickFunc is the name of the function instrument calls.
const tickFunc = "gitopsActionsTick"

const (
	alpha    = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	alphaNum = alpha + "0123456789"
	digits   = "0123456789"
	ascii    = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
)

func (s *session) chars(n int, set string) string {
	n = min(max(n, 0), maxRepeat)
	b := make([]byte, n)
	for i := range b {
		b[i] = set[s.rand.IntN(len(set))]
	}
	return string(b)
}

func (s *session) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.rand.Uint32())
	}
	return b
}

// Read lets the stream stand for crypto/rand where a library reads one.
func (s *session) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.rand.Uint32())
	}
	return len(p), nil
}

func (s *session) uuid() string {
	b := s.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *session) shuffle(str string) string {
	r := []rune(str)
	s.rand.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
	return string(r)
}

// toTime reads a date argument as sprig does, the clock standing for
// anything it cannot read.
func toTime(d any, clock time.Time) time.Time {
	switch v := d.(type) {
	case time.Time:
		return v
	case *time.Time:
		if v != nil {
			return *v
		}
	case int64:
		return time.Unix(v, 0)
	case int:
		return time.Unix(int64(v), 0)
	case int32:
		return time.Unix(int64(v), 0)
	}
	return clock
}

func (s *session) dateInZone(f string, d any, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "Local" {
		// The runner's zone is not the cluster's: UTC renders alike
		// everywhere.
		loc = time.UTC
	}
	return toTime(d, s.clock).In(loc).Format(f)
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}

func boundedUntil(start, stop, step int) ([]int, error) {
	if step == 0 {
		return []int{}, nil
	}
	n := (stop - start) / step
	if n > maxSequence {
		return nil, fmt.Errorf("untilStep: %d items is over the limit of %d", n, maxSequence)
	}
	v := []int{}
	if stop < start {
		if step >= 0 {
			return v, nil
		}
		for i := start; i > stop; i += step {
			v = append(v, i)
		}
		return v, nil
	}
	if step <= 0 {
		return v, nil
	}
	for i := start; i < stop; i += step {
		v = append(v, i)
	}
	return v, nil
}

// boundedSeq is sprig's seq, bounded.
func boundedSeq(params ...int) (string, error) {
	start, end, inc := 1, 0, 1
	switch len(params) {
	case 0:
		return "", nil
	case 1:
		end = params[0]
		if end < start {
			inc = -1
		}
	case 2:
		start, end = params[0], params[1]
		if end < start {
			inc = -1
		}
	case 3:
		start, inc, end = params[0], params[1], params[2]
		if (end < start && inc > 0) || (end > start && inc < 0) || inc == 0 {
			return "", nil
		}
	default:
		return "", nil
	}
	items, err := boundedUntil(start, end+sign(inc), inc)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(items))
	for i, v := range items {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " "), nil
}

func (s *session) bcrypt(in string) string {
	sum := sha256.Sum256([]byte("bcrypt\x00" + in))
	enc := base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)
	h := enc.EncodeToString(append(sum[:], sum[:8]...))
	return "$2a$10$" + h[:53]
}

func (s *session) htpasswd(user, password string) string {
	if strings.Contains(user, ":") {
		return "invalid username: " + user
	}
	return user + ":" + s.bcrypt(password)
}

func (s *session) encryptAES(password, plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	key := make([]byte, 32)
	copy(key, password)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	content := []byte(plaintext)
	pad := block.BlockSize() - len(content)%block.BlockSize()
	content = append(content, bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, aes.BlockSize+len(content))
	copy(out, s.bytes(aes.BlockSize))
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], content)
	return base64.StdEncoding.EncodeToString(out), nil
}

// key derives a private key from the stream.
func (s *session) key(typ string) (crypto.Signer, error) {
	switch typ {
	case "ecdsa":
		for {
			k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), s.bytes(32))
			if err == nil {
				return k, nil
			}
		}
	case "", "rsa", "ed25519", "dsa":
		return ed25519.NewKeyFromSeed(s.bytes(ed25519.SeedSize)), nil
	}
	return nil, fmt.Errorf("unknown key type %s", typ)
}

func (s *session) genPrivateKey(typ string) string {
	k, err := s.key(typ)
	if err != nil {
		return "Unknown type " + typ
	}
	return pemKey(k)
}

func pemKey(k crypto.PrivateKey) string {
	var b *pem.Block
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		der, _ := x509.MarshalECPrivateKey(k)
		b = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return ""
		}
		b = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return string(pem.EncodeToMemory(b))
}

// certificate is what sprig's certificate functions return.
type certificate struct {
	Cert string
	Key  string
}

func parseKey(text string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM data in input")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("invalid private key type %s", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("the private key cannot sign")
	}
	return signer, nil
}

func buildCustomCert(b64cert, b64key string) (certificate, error) {
	crt, err := base64.StdEncoding.DecodeString(b64cert)
	if err != nil {
		return certificate{}, errors.New("unable to decode base64 certificate")
	}
	key, err := base64.StdEncoding.DecodeString(b64key)
	if err != nil {
		return certificate{}, errors.New("unable to decode base64 private key")
	}
	if b, _ := pem.Decode(crt); b == nil {
		return certificate{}, errors.New("unable to decode certificate")
	} else if _, err := x509.ParseCertificate(b.Bytes); err != nil {
		return certificate{}, fmt.Errorf("error parsing certificate: %w", err)
	}
	if _, err := parseKey(string(key)); err != nil {
		return certificate{}, fmt.Errorf("error parsing private key: %w", err)
	}
	return certificate{Cert: string(crt), Key: string(key)}, nil
}

func (s *session) template(cn string, ips, dns []any, days int) (*x509.Certificate, error) {
	var ipAddrs []net.IP
	for _, ip := range ips {
		str, ok := ip.(string)
		if !ok {
			return nil, fmt.Errorf("error parsing ip: %v is not a string", ip)
		}
		p := net.ParseIP(str)
		if p == nil {
			return nil, fmt.Errorf("error parsing ip: %s", str)
		}
		ipAddrs = append(ipAddrs, p)
	}
	var names []string
	for _, d := range dns {
		str, ok := d.(string)
		if !ok {
			return nil, fmt.Errorf("error processing alternate dns name: %v is not a string", d)
		}
		names = append(names, str)
	}
	serial := new(big.Int).SetBytes(s.bytes(16))
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		IPAddresses:           ipAddrs,
		DNSNames:              names,
		NotBefore:             s.clock,
		NotAfter:              s.clock.Add(24 * time.Hour * time.Duration(days)),
		KeyUsage:              x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}, nil
}

func (s *session) sign(tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) (certificate, error) {
	der, err := x509.CreateCertificate(s, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return certificate{}, fmt.Errorf("error creating certificate: %w", err)
	}
	return certificate{Cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), Key: pemKey(key)}, nil
}

func (s *session) ca(cn string, days int, key crypto.Signer) (certificate, error) {
	t, err := s.template(cn, nil, nil, days)
	if err != nil {
		return certificate{}, err
	}
	t.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign
	t.IsCA = true
	return s.sign(t, key, t, key)
}

func (s *session) genCA(cn string, days int) (certificate, error) {
	k, _ := s.key("")
	return s.ca(cn, days, k)
}

func (s *session) genCAWithKey(cn string, days int, keyPEM string) (certificate, error) {
	k, err := parseKey(keyPEM)
	if err != nil {
		return certificate{}, fmt.Errorf("parse private key: %w", err)
	}
	return s.ca(cn, days, k)
}

func (s *session) selfSigned(cn string, ips, dns []any, days int, k crypto.Signer) (certificate, error) {
	t, err := s.template(cn, ips, dns, days)
	if err != nil {
		return certificate{}, err
	}
	return s.sign(t, k, t, k)
}

func (s *session) genSelfSignedCert(cn string, ips, dns []any, days int) (certificate, error) {
	k, _ := s.key("")
	return s.selfSigned(cn, ips, dns, days, k)
}

func (s *session) genSelfSignedCertWithKey(cn string, ips, dns []any, days int, keyPEM string) (certificate, error) {
	k, err := parseKey(keyPEM)
	if err != nil {
		return certificate{}, fmt.Errorf("parse private key: %w", err)
	}
	return s.selfSigned(cn, ips, dns, days, k)
}

func (s *session) signed(cn string, ips, dns []any, days int, ca certificate, k crypto.Signer) (certificate, error) {
	b, _ := pem.Decode([]byte(ca.Cert))
	if b == nil {
		return certificate{}, errors.New("unable to decode certificate")
	}
	parent, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return certificate{}, fmt.Errorf("error parsing certificate: %w", err)
	}
	parentKey, err := parseKey(ca.Key)
	if err != nil {
		return certificate{}, fmt.Errorf("error parsing private key: %w", err)
	}
	t, err := s.template(cn, ips, dns, days)
	if err != nil {
		return certificate{}, err
	}
	return s.sign(t, k, parent, parentKey)
}

func (s *session) genSignedCert(cn string, ips, dns []any, days int, ca certificate) (certificate, error) {
	k, _ := s.key("")
	return s.signed(cn, ips, dns, days, ca, k)
}

func (s *session) genSignedCertWithKey(cn string, ips, dns []any, days int, ca certificate, keyPEM string) (certificate, error) {
	k, err := parseKey(keyPEM)
	if err != nil {
		return certificate{}, fmt.Errorf("parse private key: %w", err)
	}
	return s.signed(cn, ips, dns, days, ca, k)
}
