package chartref

import (
	"errors"
	"fmt"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name string
		ref  Ref
		want string
	}{
		{name: "oci", ref: Ref{Repo: "oci://ghcr.io/acme/charts/", Name: "app", Version: "1.2.3"}, want: "oci://ghcr.io/acme/charts/app@1.2.3"},
		{name: "https", ref: Ref{Repo: "https://charts.example.com", Name: "podinfo", Version: "6.x"}, want: "https://charts.example.com podinfo@6.x"},
		{name: "newest", ref: Ref{Repo: "https://charts.example.com", Name: "podinfo"}, want: "https://charts.example.com podinfo@newest"},
		{name: "credentials left out", ref: Ref{Repo: "https://user:s3cret@charts.example.com/stable", Name: "podinfo", Version: "1.0.0"}, want: "https://charts.example.com/stable podinfo@1.0.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ref.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	base := &Error{Ref: Ref{Repo: "oci://r", Name: "c"}, Kind: Unauthorized, Err: errors.New("401")}
	if got := KindOf(fmt.Errorf("rendering: %w", base)); got != Unauthorized {
		t.Errorf("KindOf(wrapped) = %v, want Unauthorized", got)
	}
	if got := KindOf(errors.New("other")); got != 0 {
		t.Errorf("KindOf(other) = %v, want 0", got)
	}
	if got, want := base.Error(), "fetching chart oci://r/c@newest: 401"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestCredentialsHint(t *testing.T) {
	bare := &Error{Ref: Ref{Repo: "oci://r", Name: "c"}, Kind: Unauthorized, Err: errors.New("401 Unauthorized")}
	if got := CredentialsHint(bare); got == "" {
		t.Error("an error that says nothing of the input gets no hint")
	}
	told := &Error{Ref: Ref{Repo: "oci://r", Name: "c"}, Kind: Unauthorized, Err: errors.New("401 Unauthorized (set chart-credentials to r=USER:PASSWORD)")}
	if got := CredentialsHint(told); got != "" {
		t.Errorf("an error that names the input gets a second hint: %q", got)
	}
}
