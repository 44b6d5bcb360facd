package forge

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// installationToken mints an installation access token for the App's
// installation on cfg.Owner/cfg.Repo, limited to that repository.
func installationToken(ctx context.Context, hc *http.Client, rest *url.URL, ua string, cfg Config) (string, error) {
	key, err := ParsePrivateKey(cfg.AppPrivateKey)
	if err != nil {
		return "", err
	}
	signed, err := AppJWT(cfg.AppID, key, cfg.Now())
	if err != nil {
		return "", fmt.Errorf("signing the app's JWT: %w", err)
	}
	ht := *hc.Transport.(*headerTransport)
	ht.auth = "Bearer " + signed
	gh := newGitHub(&http.Client{Transport: &ht}, rest, ua)
	inst, _, err := gh.Apps.FindRepositoryInstallation(ctx, cfg.Owner, cfg.Repo)
	if err != nil {
		return "", &AuthError{What: fmt.Sprintf("finding app %d's installation on %s/%s", cfg.AppID, cfg.Owner, cfg.Repo), Err: err}
	}
	tok, _, err := gh.Apps.CreateInstallationToken(ctx, inst.GetID(), &github.InstallationTokenOptions{Repositories: []string{cfg.Repo}})
	if err != nil {
		return "", &AuthError{What: fmt.Sprintf("creating an installation token for app %d on %s/%s", cfg.AppID, cfg.Owner, cfg.Repo), Err: err}
	}
	if tok.GetToken() == "" {
		return "", fmt.Errorf("GitHub answered no installation token for app %d", cfg.AppID)
	}
	return tok.GetToken(), nil
}
