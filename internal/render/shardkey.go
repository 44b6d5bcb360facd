package render

import (
	"strings"
)

// The environments of one application are told apart from other
// applications by where they are: a segment of their path that names an
// environment (staging, prod, prod-eu-west-1) or that follows a directory
// that holds environments (environments/, envs/, clusters/, overlays/)
// stands for any environment, and what remains is the application. So
// apps/web/overlays/staging and apps/web/overlays/production are one
// application (apps/web/overlays/*), environments/staging/web and
// environments/production/web are another (environments/*/web), and
// clusters/eu-1/web and clusters/us-2/web a third (clusters/*/web).

// envParents are directory names whose subdirectories are environments.
var envParents = map[string]bool{
	"environments": true, "environment": true, "envs": true, "env": true,
	"clusters": true, "cluster": true, "overlays": true, "overlay": true,
	"stages": true, "variants": true,
}

// envWords are the words that name an environment in a directory or an
// object's name, compared in lower case with trailing digits left out
// (prod2 is prod).
var envWords = map[string]bool{
	"dev": true, "devel": true, "develop": true, "development": true,
	"test": true, "testing": true, "qa": true, "uat": true, "sit": true,
	"stage": true, "staging": true, "stg": true, "preprod": true, "pre": true,
	"prod": true, "production": true, "prd": true, "live": true,
	"nonprod": true, "sandbox": true, "demo": true, "canary": true,
	"int": true, "integration": true, "perf": true, "preview": true,
	"local": true,
}

// appKey is the application a unit's directory deploys: the directory
// with each segment that names an environment replaced by "*".
func appKey(dir string) string {
	segs := strings.Split(dir, "/")
	for i, s := range segs {
		if i > 0 && envParents[strings.ToLower(segs[i-1])] {
			segs[i] = "*"
			continue
		}
		segs[i] = envTokens(s, "*")
	}
	return strings.Join(segs, "/")
}

// appName is the application an object's name deploys: the name without
// the words that name an environment (web-staging and prod-web are web);
// "" when nothing else is left.
func appName(name string) string {
	return strings.Trim(envTokens(name, ""), "-")
}

// envTokens replaces each word of s (split at - _ .) that names an
// environment with repl, runs of them with one; s is kept as it is
// when none does.
func envTokens(s, repl string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	found := false
	out := words[:0:0]
	for _, w := range words {
		if envWords[strings.TrimRight(strings.ToLower(w), "0123456789")] {
			found = true
			if repl == "" || len(out) > 0 && out[len(out)-1] == repl {
				continue
			}
			w = repl
		}
		out = append(out, w)
	}
	if !found {
		return s
	}
	return strings.Join(out, "-")
}
