package cli

import (
	"strings"
	"testing"
)

var githubSpec = Spec{Name: "gh", Inputs: []Input{
	{Name: "token", Secret: true},
	{Name: "app-id"},
	{Name: "app-private-key", Secret: true},
	{Name: "repository"},
	{Name: "github-api-url"},
}}

func TestReadGitHub(t *testing.T) {
	env := map[string]string{"GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": "https://ghe.example/api/v3"}
	for _, tc := range []struct {
		name     string
		in       map[string]string
		env      map[string]string
		want     GitHub
		wantSet  bool
		wantCode int
		wantMsg  string
	}{
		{name: "nothing set", in: map[string]string{}, env: env},
		{name: "token, repository from the runner", in: map[string]string{"token": "t"}, env: env, wantSet: true,
			want: GitHub{Owner: "acme", Repo: "app", Token: "t", APIURL: "https://ghe.example/api/v3"}},
		{name: "inputs win over the runner", in: map[string]string{"token": "t", "repository": "o/r", "github-api-url": "https://api.github.com"}, env: env, wantSet: true,
			want: GitHub{Owner: "o", Repo: "r", Token: "t", APIURL: "https://api.github.com"}},
		{name: "app", in: map[string]string{"app-id": "42", "app-private-key": "PEM"}, env: env, wantSet: true,
			want: GitHub{Owner: "acme", Repo: "app", AppID: 42, AppPrivateKey: "PEM", APIURL: "https://ghe.example/api/v3"}},
		{name: "key without app", in: map[string]string{"app-private-key": "PEM"}, env: env, wantCode: ExitUsage, wantMsg: `"app-private-key" is set without "app-id"`},
		{name: "both", in: map[string]string{"token": "t", "app-id": "1", "app-private-key": "k"}, env: env, wantSet: true, wantCode: ExitUsage, wantMsg: "not both"},
		{name: "bad app id", in: map[string]string{"app-id": "x", "app-private-key": "k"}, env: env, wantSet: true, wantCode: ExitUsage, wantMsg: `input "app-id": "x"`},
		{name: "app without key", in: map[string]string{"app-id": "1"}, env: env, wantSet: true, wantCode: ExitUsage, wantMsg: `needs "app-private-key"`},
		{name: "no repository", in: map[string]string{"token": "t"}, env: map[string]string{}, wantSet: true, wantCode: ExitUsage, wantMsg: `input "repository" is empty`},
		{name: "bad repository", in: map[string]string{"token": "t", "repository": "a/b/c"}, env: env, wantSet: true, wantCode: ExitUsage, wantMsg: `input "repository": "a/b/c" is not OWNER/NAME`},
		{name: "bad url", in: map[string]string{"token": "t", "github-api-url": "ftp://x"}, env: env, wantSet: true, wantCode: ExitUsage, wantMsg: `input "github-api-url"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, set, err := ReadGitHub(NewValues(&githubSpec, tc.in), func(k string) string { return tc.env[k] })
			if code := CodeOf(err); code != tc.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tc.wantCode)
			}
			if set != tc.wantSet {
				t.Errorf("set = %t, want %t", set, tc.wantSet)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("error %q does not contain %q", err, tc.wantMsg)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
