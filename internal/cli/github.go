package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gitops-actions/gitops-actions/internal/forge"
	"github.com/gitops-actions/gitops-actions/internal/workflowcmd"
)

// GitHub says how a command reaches GitHub and as whom: the inputs token,
// app-id, app-private-key, repository and github-api-url, read and checked
// once for every command that talks to GitHub. A command declares those
// inputs in its own Spec, in its own words; the names are the contract.
type GitHub struct {
	Owner, Repo   string
	Token         string
	AppID         int64
	AppPrivateKey string
	// APIURL is the REST root; empty means GitHub.com.
	APIURL string
}

// ReadGitHub reads the GitHub inputs. It reports false when neither token
// nor app-id is set (the caller decides whether that is an error), and
// fails with a usage error that names the input when one is malformed: both
// credentials, an app-id without its key, a repository that is not
// OWNER/NAME, an API URL that is not http(s). The repository defaults to
// GITHUB_REPOSITORY and the API URL to GITHUB_API_URL.
func ReadGitHub(v Values, getenv func(string) string) (GitHub, bool, error) {
	var g GitHub
	g.Token = v.String("token")
	appID := v.String("app-id")
	g.AppPrivateKey = v.String("app-private-key")
	if g.Token == "" && appID == "" {
		if g.AppPrivateKey != "" {
			return g, false, Usagef("input \"app-private-key\" is set without \"app-id\"")
		}
		return g, false, nil
	}
	if g.Token != "" && appID != "" {
		return g, true, Usagef("set token, or app-id and app-private-key, not both")
	}
	if appID != "" {
		id, err := strconv.ParseInt(appID, 10, 64)
		if err != nil || id <= 0 {
			return g, true, Usagef("input \"app-id\": %q is not a GitHub App ID (a positive number)", appID)
		}
		if g.AppPrivateKey == "" {
			return g, true, Usagef("input \"app-id\" needs \"app-private-key\"")
		}
		g.AppID = id
	}
	repo := v.String("repository")
	if repo == "" {
		repo = getenv("GITHUB_REPOSITORY")
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		if repo == "" {
			return g, true, Usagef("input \"repository\" is empty and GITHUB_REPOSITORY is not set: give the repository as OWNER/NAME")
		}
		return g, true, Usagef("input \"repository\": %q is not OWNER/NAME", repo)
	}
	g.Owner, g.Repo = owner, name
	g.APIURL = v.String("github-api-url")
	if g.APIURL == "" {
		g.APIURL = getenv("GITHUB_API_URL")
	}
	if _, err := forge.GraphQLURL(g.APIURL); err != nil {
		return g, true, Usagef("input \"github-api-url\": %v", err)
	}
	return g, true, nil
}

// Deps are what a command that reaches GitHub depends on besides its
// inputs and environment; tests shorten the waits and count the requests.
type Deps struct {
	// Retry is the GitHub client's retry policy; zero means forge.DefaultRetry.
	Retry forge.Retry
	// Transport carries the GitHub requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Now is the clock (a command's time-based decisions, the client's
	// token expiry); nil means time.Now.
	Now func() time.Time
}

// Clock returns d.Now, or time.Now when it is nil.
func (d Deps) Clock() func() time.Time {
	if d.Now == nil {
		return time.Now
	}
	return d.Now
}

// Client builds the GitHub client for the repository. Each installation
// token minted for an App (an App's is replaced before it expires) is a
// secret the runner has not seen, so each is masked before anything else
// can print it.
func (g GitHub) Client(ctx context.Context, r *Run, d Deps) (*forge.Client, error) {
	var key []byte
	if g.AppPrivateKey != "" {
		key = []byte(g.AppPrivateKey)
	}
	mask := func(token string) {
		if r.InActions() {
			fmt.Fprintln(r.Stdout, workflowcmd.Mask(token))
		}
	}
	gh, err := forge.New(ctx, forge.Config{
		APIURL: g.APIURL, Token: g.Token, AppID: g.AppID, AppPrivateKey: key, OnToken: mask,
		Owner: g.Owner, Repo: g.Repo, Version: r.Version, Transport: d.Transport, Retry: d.Retry, Now: d.Now,
	})
	if err != nil {
		return nil, g.APIError(err)
	}
	return gh, nil
}

// APIError maps the GitHub client's errors to exit codes and adds the hint a
// user needs: refused credentials and missing repositories fail the job
// (1), as does any other answer of GitHub's; cancellation stays as it is;
// an error that already carries an exit code keeps it.
func (g GitHub) APIError(err error) error {
	var ae *forge.AuthError
	var nf *forge.NotFoundError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae), forge.IsAuth(err):
		return Failedf("%w (check that token or app-id and app-private-key may write to %s/%s)", err, g.Owner, g.Repo)
	case errors.As(err, &nf):
		return Failedf("%w (check the repository and base inputs, and that the credentials can see %s/%s)", err, g.Owner, g.Repo)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case forge.StatusCode(err) != 0:
		return FailedError(err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return FailedError(fmt.Errorf("talking to GitHub: %w", err))
}
