package forge

import (
	"context"
	"crypto/rsa"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v60/github"
)

// AuthError says GitHub refused the credentials, or the App is not
// installed where the client must work.
type AuthError struct {
	What string
	Err  error
}

func (e *AuthError) Error() string { return e.What + ": " + errorMessage(e.Err) }
func (e *AuthError) Unwrap() error { return e.Err }

// ParsePrivateKey reads a GitHub App's private key (PKCS#1 or PKCS#8 PEM).
// A key pasted with literal \n for line breaks is accepted too.
func ParsePrivateKey(pem []byte) (*rsa.PrivateKey, error) {
	s := strings.TrimSpace(string(pem))
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(s))
	if err != nil {
		// The parser's message never quotes the key.
		return nil, fmt.Errorf("app-private-key is not an RSA private key in PEM form: %w", err)
	}
	return key, nil
}

// AppJWT signs the JSON Web Token a GitHub App authenticates with: RS256,
// issued a minute in the past (GitHub allows for clock drift) and valid for
// nine minutes (GitHub's limit is ten).
func AppJWT(appID int64, key *rsa.PrivateKey, now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(appID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
}

// refreshBefore is how long before its expiry an installation token is
// replaced. GitHub's last an hour; a run with long rate-limit waits can
// outlive one. Five minutes leave room for one try and
// its waits, and for a clock a little off GitHub's.
const refreshBefore = 5 * time.Minute

// appTokens mints installation tokens for the App's installation on
// cfg.Owner/cfg.Repo, limited to that repository, and mints a new one when
// the last is within refreshBefore of its expiry (by cfg.Now). Each new
// token is told to cfg.OnToken before it is used.
type appTokens struct {
	gh  *github.Client // authenticated with the App's JWT
	cfg Config

	mu           sync.Mutex
	installation int64
	tok          string
	expires      time.Time
}

func (a *appTokens) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && a.cfg.Now().Before(a.expires.Add(-refreshBefore)) {
		return a.tok, nil
	}
	// A request that needs a token may be a write sent at most once; the
	// token's own requests are not: minting twice leaves an unused token.
	ctx = SafeToRepeat(ctx)
	if a.installation == 0 {
		inst, _, err := a.gh.Apps.FindRepositoryInstallation(ctx, a.cfg.Owner, a.cfg.Repo)
		if err != nil {
			return "", &AuthError{What: fmt.Sprintf("finding app %d's installation on %s/%s", a.cfg.AppID, a.cfg.Owner, a.cfg.Repo), Err: err}
		}
		a.installation = inst.GetID()
	}
	tok, _, err := a.gh.Apps.CreateInstallationToken(ctx, a.installation, &github.InstallationTokenOptions{Repositories: []string{a.cfg.Repo}})
	if err != nil {
		return "", &AuthError{What: fmt.Sprintf("creating an installation token for app %d on %s/%s", a.cfg.AppID, a.cfg.Owner, a.cfg.Repo), Err: err}
	}
	if tok.GetToken() == "" {
		return "", fmt.Errorf("GitHub answered no installation token for app %d", a.cfg.AppID)
	}
	a.tok = tok.GetToken()
	a.expires = tok.GetExpiresAt().Time
	if a.expires.IsZero() {
		a.expires = a.cfg.Now().Add(time.Hour)
	}
	if a.cfg.OnToken != nil {
		a.cfg.OnToken(a.tok)
	}
	return a.tok, nil
}
