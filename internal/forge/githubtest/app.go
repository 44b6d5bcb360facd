package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// authenticate checks the Authorization header of a call and sets its actor.
// It returns a zero response when the call may proceed.
func (s *Server) authenticate(c *call) response {
	c.actor = s.opts.Bot
	switch c.route.Template {
	case "/_codeload/{owner}/{repo}/{format}/{sha}":
		return response{}
	case "/repos/{owner}/{repo}/installation", "/app/installations/{installation_id}/access_tokens":
		return s.authenticateApp(c)
	}
	if s.opts.Token == "" && s.opts.App == nil {
		return response{}
	}
	scheme, cred, ok := strings.Cut(c.r.Header.Get("Authorization"), " ")
	if !ok || cred == "" {
		return errorResponse(http.StatusUnauthorized, "Requires authentication")
	}
	if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer") {
		return errorResponse(http.StatusUnauthorized, "Bad credentials")
	}
	if s.opts.Token != "" && cred == s.opts.Token {
		return response{}
	}
	s.mu.Lock()
	exp, ok := s.tokens[cred]
	s.mu.Unlock()
	if ok && s.opts.Now().Before(exp) {
		return response{}
	}
	return errorResponse(http.StatusUnauthorized, "Bad credentials")
}

func (s *Server) authenticateApp(c *call) response {
	if s.opts.App == nil {
		return errorResponse(http.StatusUnauthorized, "A JSON web token could not be decoded")
	}
	scheme, jwt, ok := strings.Cut(c.r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return errorResponse(http.StatusUnauthorized, "A JSON web token could not be decoded")
	}
	if err := verifyJWT(jwt, s.opts.App, s.opts.Now()); err != nil {
		return errorResponse(http.StatusUnauthorized, err.Error())
	}
	return response{}
}

// verifyJWT checks a GitHub App JWT as GitHub does: RS256 signed by the
// app's key, iss the app ID, iat not in the future (with a minute of skew)
// and exp at most ten minutes after iat and not past. Its errors are
// GitHub's 401 messages.
func verifyJWT(token string, app *App, now time.Time) error {
	undecodable := errors.New("A JSON web token could not be decoded")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return undecodable
	}
	var header struct {
		Alg string `json:"alg"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" {
		return undecodable
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return undecodable
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if app.PublicKey == nil || rsa.VerifyPKCS1v15(app.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return errors.New("A JSON web token could not be decoded")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return undecodable
	}
	var claims struct {
		Iat json.Number `json:"iat"`
		Exp json.Number `json:"exp"`
		Iss any         `json:"iss"`
	}
	dec := json.NewDecoder(strings.NewReader(string(pb)))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return undecodable
	}
	iss := fmt.Sprint(claims.Iss)
	if n, ok := claims.Iss.(json.Number); ok {
		iss = n.String()
	}
	if iss != strconv.FormatInt(app.ID, 10) {
		return fmt.Errorf("'Issuer' claim ('iss') must be an Integer")
	}
	iat, err1 := claims.Iat.Int64()
	exp, err2 := claims.Exp.Int64()
	if err1 != nil || err2 != nil {
		return undecodable
	}
	if time.Unix(iat, 0).After(now.Add(time.Minute)) {
		return errors.New("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
	}
	if !time.Unix(exp, 0).After(now) {
		return errors.New("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	}
	if exp-iat > 600 {
		return errors.New("'Expiration time' claim ('exp') is too far in the future")
	}
	return nil
}

func (s *Server) installationJSON() map[string]any {
	app := s.opts.App
	id := strconv.FormatInt(app.InstallationID, 10)
	return map[string]any{
		"id":                   app.InstallationID,
		"app_id":               app.ID,
		"app_slug":             "githubtest",
		"target_id":            1,
		"target_type":          "Organization",
		"account":              s.userJSON("githubtest-org"),
		"repository_selection": "all",
		"access_tokens_url":    s.URL + "/api/v3/app/installations/" + id + "/access_tokens",
		"repositories_url":     s.URL + "/api/v3/installation/repositories",
		"html_url":             s.URL + "/organizations/githubtest-org/settings/installations/" + id,
		"permissions":          map[string]any{"contents": "write", "pull_requests": "write", "issues": "write", "metadata": "read"},
		"events":               []any{},
		"created_at":           "2024-01-01T00:00:00Z",
		"updated_at":           "2024-01-01T00:00:00Z",
		"single_file_name":     nil,
	}
}

func (s *Server) getRepoInstallation(c *call) response {
	rp, ok := s.repoFor(c)
	if !ok {
		return notFound()
	}
	out := s.installationJSON()
	out["account"] = s.userJSON(rp.owner)
	return jsonResponse(http.StatusOK, out)
}

func (s *Server) createInstallationToken(c *call) response {
	if c.params["installation_id"] != strconv.FormatInt(s.opts.App.InstallationID, 10) {
		return notFound()
	}
	ttl := s.opts.App.TokenTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	s.tokenSeq++
	token := fmt.Sprintf("ghs_githubtest%026d", s.tokenSeq)
	exp := s.opts.Now().Add(ttl).UTC().Truncate(time.Second)
	s.tokens[token] = exp
	return jsonResponse(http.StatusCreated, map[string]any{
		"token":                token,
		"expires_at":           exp.Format(time.RFC3339),
		"permissions":          s.installationJSON()["permissions"],
		"repository_selection": "all",
	})
}

// NewApp makes a GitHub App for a test: a fresh RSA key, the App the
// server recognises (Options.App) with that ID and installation, and the
// key as PEM, as the input app-private-key takes it.
func NewApp(tb testing.TB, id, installation int64) (*App, string) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatalf("githubtest: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return &App{ID: id, PublicKey: &key.PublicKey, InstallationID: installation}, string(keyPEM)
}
