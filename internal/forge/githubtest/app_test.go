package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// signJWT makes a GitHub App JWT signed with key.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	unsigned := enc(map[string]any{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(unsigned))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestGitHubApp(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, Options{App: &App{ID: 42, PublicKey: &key.PublicKey, InstallationID: 7}})
	now := time.Now().Unix()
	valid := signJWT(t, key, map[string]any{"iat": now - 60, "exp": now + 540, "iss": "42"})
	tests := []struct {
		name       string
		jwt        string
		wantStatus int
		wantMsg    string
	}{
		{name: "valid, iss as a string", jwt: valid},
		{name: "valid, iss as a number", jwt: signJWT(t, key, map[string]any{"iat": now - 60, "exp": now + 540, "iss": 42})},
		{name: "other key", jwt: signJWT(t, other, map[string]any{"iat": now - 60, "exp": now + 540, "iss": "42"}), wantStatus: 401, wantMsg: "A JSON web token could not be decoded"},
		{name: "other app", jwt: signJWT(t, key, map[string]any{"iat": now - 60, "exp": now + 540, "iss": "43"}), wantStatus: 401, wantMsg: "'Issuer' claim ('iss') must be an Integer"},
		{name: "expired", jwt: signJWT(t, key, map[string]any{"iat": now - 700, "exp": now - 100, "iss": "42"}), wantStatus: 401, wantMsg: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"},
		{name: "too long", jwt: signJWT(t, key, map[string]any{"iat": now, "exp": now + 3600, "iss": "42"}), wantStatus: 401, wantMsg: "'Expiration time' claim ('exp') is too far in the future"},
		{name: "a token instead", jwt: testToken, wantStatus: 401, wantMsg: "A JSON web token could not be decoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh := newClient(t, srv, tc.jwt)
			inst, _, err := gh.Apps.FindRepositoryInstallation(ctx, "acme", "config")
			status, msg, _ := apiError(t, err)
			if status != tc.wantStatus || msg != tc.wantMsg {
				t.Fatalf("got %d %q, want %d %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
			if status != 0 {
				return
			}
			if got, want := inst.GetID(), int64(7); got != want {
				t.Errorf("installation id: got %d, want %d", got, want)
			}
		})
	}

	gh := newClient(t, srv, valid)
	if _, _, err := gh.Apps.CreateInstallationToken(ctx, 8, nil); err == nil {
		t.Errorf("token for another installation: got no error")
	}
	tok, _, err := gh.Apps.CreateInstallationToken(ctx, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.GetToken(), "ghs_") || !tok.GetExpiresAt().After(time.Now().Add(50*time.Minute)) {
		t.Errorf("token %q expiring %v: want ghs_ and an hour", tok.GetToken(), tok.GetExpiresAt())
	}
	r, _, err := newClient(t, srv, tok.GetToken()).Repositories.Get(ctx, "acme", "config")
	if err != nil || r.GetName() != "config" {
		t.Errorf("repository with the installation token: got %q, %v", r.GetName(), err)
	}
	// The JWT itself is no token for the REST API.
	_, _, err = newClient(t, srv, valid).Repositories.Get(ctx, "acme", "config")
	if status, msg, _ := apiError(t, err); status != 401 || msg != "Bad credentials" {
		t.Errorf("repository with the JWT: got %d %q, want 401 %q", status, msg, "Bad credentials")
	}
}
