// Package version orders the versions that image tags and chart versions
// carry, so that a bump can tell an upgrade from a downgrade.
//
// The orders are Flux's ImagePolicy's (semver, numerical, alphabetical),
// plus auto, which reads what config repositories hold: semantic versions,
// loose versions with any number of numeric parts (1.43.3.10896, Renovate's
// "loose" versioning), calendar versions (2026.11.3), a pre-release
// (-rc.1, -beta2), a variant suffix (-alpine, -debian-12: Renovate's
// "compatibility", which must stay the same) and a trailing build counter
// (-r5, -ls294). A pattern with a named group "version", like Flux's
// filterTags, picks the part of a tag that orders (the timestamp of
// main-20260501120000-3f2a9c1).
package version

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Order is how versions are compared: the input tag-order.
type Order string

// The orders.
const (
	// Auto reads semantic, loose numeric and calendar versions with their
	// pre-release, variant and build counter; anything else is not
	// ordered, and the caller says so.
	Auto Order = "auto"
	// Semver reads semantic versions only (Masterminds/semver, as Flux's
	// semver policy): a suffix is a pre-release.
	Semver Order = "semver"
	// Numerical reads a number (Flux's numerical policy): 20260501120000.
	Numerical Order = "numerical"
	// Alphabetical compares the text (Flux's alphabetical policy): RFC 3339
	// timestamps, or anything built to sort.
	Alphabetical Order = "alphabetical"
	// None orders nothing: every new version replaces the old one.
	None Order = "none"
)

// Orders lists the orders, for messages and documentation.
var Orders = []Order{Auto, Semver, Numerical, Alphabetical, None}

// ParseOrder reads an order by its name; empty is Auto.
func ParseOrder(s string) (Order, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Auto, nil
	}
	for _, o := range Orders {
		if string(o) == s {
			return o, nil
		}
	}
	names := make([]string, len(Orders))
	for i, o := range Orders {
		names[i] = string(o)
	}
	return "", fmt.Errorf("%q is not an order: use one of %s", s, strings.Join(names, ", "))
}

// GroupName is the name of the group of a pattern that holds the version.
const GroupName = "version"

// Policy says how the versions of one run are read and ordered.
type Policy struct {
	Order Order
	// Pattern, when set, must match every new version; its group named
	// "version" is what is ordered.
	Pattern *regexp.Regexp
}

// NewPolicy builds a policy from the texts of an order and a pattern
// (either may be empty); an error says what is wrong and how to fix it.
func NewPolicy(order, pattern string) (Policy, error) {
	o, err := ParseOrder(order)
	if err != nil {
		return Policy{}, err
	}
	p := Policy{Order: o}
	if pattern == "" {
		return p, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Policy{}, fmt.Errorf("pattern %q is not a regular expression: %w", pattern, err)
	}
	if re.SubexpIndex(GroupName) < 0 {
		return Policy{}, fmt.Errorf("pattern %q has no group named %q: write (?P<%s>…) around the part that orders, e.g. ^main-(?P<%s>\\d{14})-[0-9a-f]{7}$", pattern, GroupName, GroupName, GroupName)
	}
	p.Pattern = re
	return p, nil
}

// extract returns the part of tag that orders, and whether tag matches the
// pattern (always, without one).
func (p Policy) extract(tag string) (string, bool) {
	if p.Pattern == nil {
		return tag, true
	}
	m := p.Pattern.FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	v := m[p.Pattern.SubexpIndex(GroupName)]
	return v, v != ""
}

// Check reports why tag cannot be a new version under the policy (it does
// not match the pattern, or the order cannot read it), or nil. Under auto
// without a pattern any tag will do: one that is not a version is replaced
// without ordering, and Compare says so.
func (p Policy) Check(tag string) error {
	v, ok := p.extract(tag)
	if !ok {
		return fmt.Errorf("%q does not match tag-pattern %q (or its group %q is empty)", tag, p.Pattern, GroupName)
	}
	what := fmt.Sprintf("%q", tag)
	if p.Pattern != nil {
		what = fmt.Sprintf("%q, the group %q of %q,", v, GroupName, tag)
	}
	switch p.Order {
	case Semver:
		if _, err := semver.NewVersion(v); err != nil {
			return fmt.Errorf("%s is not a semantic version, which tag-order semver needs", what)
		}
	case Numerical:
		if _, ok := number(v); !ok {
			return fmt.Errorf("%s is not a number, which tag-order numerical needs", what)
		}
	case Auto:
		if _, ok := Parse(v, true); !ok && p.Pattern != nil {
			return fmt.Errorf("%s is not a version that can be ordered; set tag-order (numerical, alphabetical) to say how it orders", what)
		}
	}
	return nil
}

// Relation is how a new version stands to an old one.
type Relation int

// The relations.
const (
	// Unordered: the versions could not be compared (Comparison.Reason
	// says why); the caller should say so.
	Unordered Relation = iota
	// NotOrdered: the policy orders nothing (None).
	NotOrdered
	// Older: the new version is lower: a downgrade.
	Older
	// Same: the versions are equal in order (1.2 and 1.2.0).
	Same
	// Newer: the new version is higher.
	Newer
)

// Comparison is the result of comparing an old version with a new one.
type Comparison struct {
	Relation Relation
	// Reason says why the versions are Unordered.
	Reason string
	// OldVariant and NewVariant are the variants auto read ("alpine",
	// "" for none); VariantChanged says they differ.
	OldVariant, NewVariant string
	VariantChanged         bool
}

// Compare compares the version old with new under the policy.
func (p Policy) Compare(old, new string) Comparison {
	if p.Order == None {
		return Comparison{Relation: NotOrdered}
	}
	o, ok := p.extract(old)
	if !ok {
		return Comparison{Reason: fmt.Sprintf("the old version %q does not match tag-pattern %q", old, p.Pattern)}
	}
	n, ok := p.extract(new)
	if !ok {
		return Comparison{Reason: fmt.Sprintf("the new version %q does not match tag-pattern %q", new, p.Pattern)}
	}
	switch p.Order {
	case Semver:
		ov, err1 := semver.NewVersion(o)
		nv, err2 := semver.NewVersion(n)
		if err := firstErr(err1, err2); err != nil {
			return Comparison{Reason: fmt.Sprintf("%q or %q is not a semantic version", o, n)}
		}
		return Comparison{Relation: relation(nv.Compare(ov))}
	case Numerical:
		ov, ok1 := number(o)
		nv, ok2 := number(n)
		if !ok1 || !ok2 {
			return Comparison{Reason: fmt.Sprintf("%q or %q is not a number", o, n)}
		}
		return Comparison{Relation: relation(nv.Cmp(ov))}
	case Alphabetical:
		return Comparison{Relation: relation(strings.Compare(n, o))}
	}
	bare := p.Pattern != nil // an extracted timestamp is a version on its own
	ov, ok1 := Parse(o, bare)
	nv, ok2 := Parse(n, bare)
	switch {
	case !ok1 && !ok2:
		return Comparison{Reason: fmt.Sprintf("neither %q nor %q is a version", o, n)}
	case !ok1:
		return Comparison{Reason: fmt.Sprintf("%q is not a version", o)}
	case !ok2:
		return Comparison{Reason: fmt.Sprintf("%q is not a version", n)}
	}
	return Comparison{
		Relation:   relation(nv.Compare(ov)),
		OldVariant: ov.Variant, NewVariant: nv.Variant,
		VariantChanged: ov.Variant != nv.Variant,
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func relation(c int) Relation {
	switch {
	case c < 0:
		return Older
	case c > 0:
		return Newer
	}
	return Same
}

var numberRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// number reads a decimal number exactly (a 20-digit timestamp too), as
// Flux's numerical policy reads a float.
func number(s string) (*big.Rat, bool) {
	if !numberRE.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}
