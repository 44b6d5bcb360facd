package gate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FreezeFile is where a config repository keeps its freezes, so that a
// freeze is itself a reviewed change.
const FreezeFile = ".gitops-actions/freezes.yaml"

// MaxFreezeFileSize bounds the freeze file read.
const MaxFreezeFileSize = 1 << 20

// Freeze is a period when promotions may not open or update.
type Freeze struct {
	// Start and End bound the period, End exclusive.
	Start, End time.Time
	Reason     string
	// Environments are the environments it holds, by directory or name;
	// none means every one.
	Environments []string
	// Source says where it was written: "freezes line 2" or
	// ".gitops-actions/freezes.yaml:4".
	Source string
}

// Holds reports whether the freeze is on at t for a promotion into an
// environment known by any of names (its directory, its name).
func (f Freeze) Holds(t time.Time, names []string) bool {
	if t.Before(f.Start) || !t.Before(f.End) {
		return false
	}
	if len(f.Environments) == 0 {
		return true
	}
	for _, e := range f.Environments {
		for _, n := range names {
			if strings.EqualFold(strings.Trim(e, "/"), strings.Trim(n, "/")) {
				return true
			}
		}
	}
	return false
}

// describe names the freeze for messages: its reason and period.
func (f Freeze) describe() string {
	period := fmt.Sprintf("%s until %s", f.Start.Format("2006-01-02 15:04 MST"), f.End.Format("2006-01-02 15:04 MST"))
	if f.Reason == "" {
		return fmt.Sprintf("the freeze of %s (%s)", period, f.Source)
	}
	return fmt.Sprintf("%s, %s (%s)", f.Reason, period, f.Source)
}

// ParseFreezes reads the rules of the freezes input, one a line:
//
//	START..END [ZONE] [REASON]
//
// START and END are dates (2026-12-20) or dates and times
// (2026-12-20T18:00); an END that is a date includes that whole day, an
// END with a time is exclusive. ZONE is an IANA time zone or UTC (the
// default). Empty lines and lines starting with # are skipped.
func ParseFreezes(lines []string) ([]Freeze, error) {
	return parseRules(lines, func(line string, n int) (Freeze, error) {
		f, err := parseFreezeLine(line)
		f.Source = fmt.Sprintf("freezes line %d", n)
		return f, err
	})
}

func parseFreezeLine(line string) (Freeze, error) {
	fields := strings.Fields(line)
	from, to, ok := strings.Cut(fields[0], "..")
	if !ok {
		return Freeze{}, fmt.Errorf("a freeze is START..END [ZONE] [REASON], e.g. 2026-12-20..2027-01-04 end-of-year freeze")
	}
	zone := "UTC"
	rest := fields[1:]
	if len(rest) > 0 && zoneForm.MatchString(rest[0]) {
		zone, rest = rest[0], rest[1:]
	}
	loc, err := loadZone(zone)
	if err != nil {
		return Freeze{}, err
	}
	f := Freeze{Reason: strings.Join(rest, " ")}
	if f.Start, f.End, err = period(from, to, loc); err != nil {
		return Freeze{}, err
	}
	return f, nil
}

// period reads a freeze's bounds in loc.
func period(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	start, _, err := parseMoment(from, loc)
	if err != nil {
		return start, start, err
	}
	end, isDate, err := parseMoment(to, loc)
	if err != nil {
		return start, end, err
	}
	if isDate {
		end = end.AddDate(0, 0, 1)
	}
	if !end.After(start) {
		return start, end, fmt.Errorf("it ends (%s) before it starts (%s)", to, from)
	}
	return start, end, nil
}

// parseMoment reads a date or a date and time in loc; isDate says it had
// no time.
func parseMoment(s string, loc *time.Location) (time.Time, bool, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date: write YYYY-MM-DD, or YYYY-MM-DDTHH:MM for a time of day", s)
}

// FileError is a problem with the freeze file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// freezeKeys are the keys of one freeze in the file.
var freezeKeys = []string{"start", "end", "timezone", "reason", "environments"}

// ParseFreezeFile reads the freeze file, named name for messages:
//
//	freezes:
//	  - start: 2026-12-20          # a date, or a date and time (2026-12-20T18:00)
//	    end: 2027-01-04            # a date includes the whole day
//	    timezone: Europe/Berlin    # optional; UTC by default
//	    reason: end-of-year freeze # optional
//	    environments: [production] # optional: names or directories; all by default
//
// Anything else (an unknown key, a missing start or end, a list where a
// value belongs, a second YAML document) is a *FileError naming the line.
// An empty file holds no freeze.
func ParseFreezeFile(name string, data []byte) ([]Freeze, error) {
	bad := func(n *yaml.Node, format string, args ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return &FileError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxFreezeFileSize {
		return nil, bad(nil, "the file is larger than %d bytes", MaxFreezeFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, bad(&extra, "a second YAML document; keep every freeze in the one list under freezes")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(name, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, bad(root, "the file is a mapping with one key, freezes: a list of freezes")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "freezes" {
			return nil, bad(k, "unknown key %q: the file has one key, freezes", k.Value)
		}
		list = v
	}
	if list == nil || list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, bad(list, "freezes is a list of freezes, each with start and end")
	}
	var out []Freeze
	for _, item := range list.Content {
		f, err := freezeOf(item, bad)
		if err != nil {
			return nil, err
		}
		f.Source = fmt.Sprintf("%s:%d", name, item.Line)
		out = append(out, f)
	}
	return out, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// yamlError turns the YAML parser's error into a *FileError at its line.
func yamlError(name string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &FileError{File: name, Line: n, Msg: m[2]}
	}
	return &FileError{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
}

func freezeOf(item *yaml.Node, bad func(*yaml.Node, string, ...any) error) (Freeze, error) {
	if item.Kind != yaml.MappingNode {
		return Freeze{}, bad(item, "a freeze is a mapping with start and end (and timezone, reason, environments)")
	}
	vals := map[string]*yaml.Node{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		known := false
		for _, name := range freezeKeys {
			known = known || k.Value == name
		}
		if !known {
			return Freeze{}, bad(k, "unknown key %q: a freeze has %s", k.Value, strings.Join(freezeKeys, ", "))
		}
		if _, dup := vals[k.Value]; dup {
			return Freeze{}, bad(k, "%q is given twice", k.Value)
		}
		vals[k.Value] = v
	}
	scalar := func(key string) (string, error) {
		v, ok := vals[key]
		if !ok {
			return "", nil
		}
		if v.Kind != yaml.ScalarNode {
			return "", bad(v, "%s is one value, not a list or mapping", key)
		}
		return strings.TrimSpace(v.Value), nil
	}
	var f Freeze
	start, err := scalar("start")
	if err != nil {
		return f, err
	}
	end, err := scalar("end")
	if err != nil {
		return f, err
	}
	if start == "" || end == "" {
		return f, bad(item, "a freeze needs start and end, e.g. start: 2026-12-20 and end: 2027-01-04")
	}
	zone, err := scalar("timezone")
	if err != nil {
		return f, err
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, err := loadZone(zone)
	if err != nil {
		return f, bad(vals["timezone"], "timezone: %v", err)
	}
	if f.Start, f.End, err = period(start, end, loc); err != nil {
		return f, bad(item, "%v", err)
	}
	if f.Reason, err = scalar("reason"); err != nil {
		return f, err
	}
	if envs, ok := vals["environments"]; ok {
		switch envs.Kind {
		case yaml.SequenceNode:
			for _, e := range envs.Content {
				if e.Kind != yaml.ScalarNode || strings.TrimSpace(e.Value) == "" {
					return f, bad(e, "environments lists names or directories, e.g. [production] or [environments/production]")
				}
				f.Environments = append(f.Environments, path.Clean(strings.TrimSpace(e.Value)))
			}
		case yaml.ScalarNode:
			f.Environments = []string{path.Clean(strings.TrimSpace(envs.Value))}
		default:
			return f, bad(envs, "environments lists names or directories, e.g. [production]")
		}
	}
	return f, nil
}
