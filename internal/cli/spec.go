package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind says how an input's text is read.
type Kind int

const (
	// String is one value, used as given (trimmed).
	String Kind = iota
	// Bool is true or false; as a flag it may be given without a value.
	Bool
	// List is several values separated by newlines or commas.
	List
	// Lines is several values separated by newlines only (values may hold commas).
	Lines
)

// Input is one input of an action, which is also the flag --<Name> and the
// runner variable INPUT_<NAME>.
type Input struct {
	Name        string
	Description string
	Default     string
	Required    bool
	Kind        Kind
	// Secret inputs are masked in the runner's log before anything else is
	// printed, and redacted from everything the command writes.
	Secret bool
	// SecretParts, for a Secret input, returns the parts of its value
	// that are secrets on their own (the PASSWORD of a
	// HOST=USER:PASSWORD line): each is masked and redacted too, so that
	// a message quoting one part alone never shows it.
	SecretParts func(value string) []string
	// Arg marks the root action's command input, which reaches the binary
	// as its first argument rather than as a flag.
	Arg bool
}

// Output is one output of an action.
type Output struct {
	Name        string
	Description string
}

// Spec is the contract of one command: the single source of truth from which
// its flags, its action.yml and the inputs table of its README are made.
type Spec struct {
	Name        string
	Description string
	Inputs      []Input
	Outputs     []Output
}

// Input returns the named input, or false.
func (s *Spec) Input(name string) (Input, bool) {
	for _, in := range s.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

func (s *Spec) hasOutput(name string) bool {
	for _, o := range s.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// Values holds the inputs of one run, already resolved from flags, the
// runner's INPUT_* variables and defaults.
type Values struct {
	spec *Spec
	m    map[string]string
}

// NewValues builds Values for spec from a map (unset names take their
// defaults); tests use it to call a command without flags.
func NewValues(spec *Spec, m map[string]string) Values {
	v := Values{spec: spec, m: map[string]string{}}
	for _, in := range spec.Inputs {
		if s, ok := m[in.Name]; ok && strings.TrimSpace(s) != "" {
			v.m[in.Name] = strings.TrimSpace(s)
		} else {
			v.m[in.Name] = in.Default
		}
	}
	return v
}

func (v Values) must(name string) Input {
	in, ok := v.spec.Input(name)
	if !ok {
		panic(fmt.Sprintf("cli: command %q declares no input %q", v.spec.Name, name))
	}
	return in
}

// String returns the input's text.
func (v Values) String(name string) string {
	v.must(name)
	return v.m[name]
}

// Bool returns a boolean input; anything but true/false (any case) is a usage
// error that names the input.
func (v Values) Bool(name string) (bool, error) {
	v.must(name)
	s := v.m[name]
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return false, Usagef("input %q: %q is not a boolean (use true or false)", name, s)
	}
	return b, nil
}

// List returns the input split on newlines and commas, trimmed, without
// empty entries.
func (v Values) List(name string) []string {
	v.must(name)
	return splitList(v.m[name], ",\n")
}

// Lines returns the input split on newlines only, trimmed, without empty
// entries.
func (v Values) Lines(name string) []string {
	v.must(name)
	return splitList(v.m[name], "\n")
}

func splitList(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Secrets returns the values of the secret inputs that are set.
func (v Values) Secrets() []string {
	var out []string
	for _, in := range v.spec.Inputs {
		if in.Secret && v.m[in.Name] != "" {
			out = append(out, v.m[in.Name])
			if in.SecretParts != nil {
				for _, p := range in.SecretParts(v.m[in.Name]) {
					if p != "" {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}
