package bundle

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// testBundle has two blobs, keyed by their content as Build keys them.
func testBundle() (b *Bundle, k1, k2 string) {
	b1 := json.RawMessage(`{"additionalProperties":false,"type":"object"}`)
	b2 := json.RawMessage(`{"additionalProperties":false,"pattern":"\n","type":"string"}`)
	k1, k2 = blobKey(b1), blobKey(b2)
	return &Bundle{
		Format:     Format,
		Kubernetes: []Release{{Version: "1.37", Source: "k8s.io/kubernetes@v1.37.2", Set: Set{Defs: map[string]string{"a": k1}, Kinds: map[string]string{"v1/A": "a"}}}},
		CRDs:       Set{Defs: map[string]string{"c": k2}, Kinds: map[string]string{"x/v1/C": "c"}},
		Blobs:      map[string]json.RawMessage{k1: b1, k2: b2},
	}, k1, k2
}

func TestEncodeDecode(t *testing.T) {
	in, k1, k2 := testBundle()
	var first, second bytes.Buffer
	if err := Encode(&first, in); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&second, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two encodings of the same bundle differ")
	}
	got, err := Decode(first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Blobs) != 0 {
		t.Errorf("a decoded bundle holds %d blobs inflated; they must stay compressed until asked for", len(got.Blobs))
	}
	if want := []string{k1, k2}; k2 < k1 && !reflect.DeepEqual(got.Keys(), []string{k2, k1}) || k1 < k2 && !reflect.DeepEqual(got.Keys(), want) {
		t.Errorf("keys = %q", got.Keys())
	}
	for k, want := range in.Blobs {
		raw, ok, err := got.Blob(k)
		if err != nil || !ok || !bytes.Equal(raw, want) {
			t.Errorf("blob %s = %q, %v, %v; want %q", k, raw, ok, err, want)
		}
	}
	if _, ok, err := got.Blob("absent"); ok || err != nil {
		t.Errorf("Blob(absent) = %v, %v; want not found", ok, err)
	}
	head := *got
	head.packed, head.dict, head.Blobs = nil, nil, in.Blobs
	if !reflect.DeepEqual(&head, in) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", &head, in)
	}
	// zcat reads the header line and the dictionary, two gzip members;
	// the blobs after them are raw DEFLATE.
	br := bytes.NewReader(first.Bytes())
	var members []string
	for i := 0; i < 2; i++ {
		zr, err := gzip.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		m, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, string(m))
	}
	if !strings.HasPrefix(members[0], `{"format":`) || !strings.HasSuffix(members[0], "\n") {
		t.Errorf("first member %q, want the header line", members[0])
	}
	if !strings.Contains(members[1], `"additionalProperties":`) {
		t.Errorf("second member %q, want the dictionary", members[1])
	}
}

func TestEncodeRefusesUnnamedBlob(t *testing.T) {
	in, _, _ := testBundle()
	in.CRDs.Defs = nil
	if err := Encode(io.Discard, in); err == nil {
		t.Error("Encode wrote a blob no definition names, which Decode could not place")
	}
}

func TestDecodeRejectsCorruptBlob(t *testing.T) {
	in, k1, _ := testBundle()
	in.CRDs = Set{}
	for k := range in.Blobs {
		if k != k1 {
			delete(in.Blobs, k)
		}
	}
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	data[len(data)-3] ^= 0xff // inside the blob's deflate data
	b, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Blob(k1); err == nil {
		t.Error("a corrupt blob inflated without an error")
	}
}

func TestDecodeEmbedded(t *testing.T) {
	b, err := Decode(Embedded())
	if err != nil {
		t.Fatalf("the embedded bundle does not decode (regenerate it): %v", err)
	}
	if len(b.Kubernetes) == 0 || len(b.Keys()) == 0 {
		t.Fatalf("embedded bundle is empty: %d versions, %d blobs", len(b.Kubernetes), len(b.Keys()))
	}
	for _, k := range b.Keys() {
		raw, _, err := b.Blob(k)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(raw) {
			t.Fatalf("blob %s is not JSON", k)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	if _, err := Decode([]byte("not gzip")); err == nil {
		t.Error("Decode accepted garbage")
	}
}

func BenchmarkDecodeEmbedded(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Decode(Embedded()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReleasesRoundTrip: releases are stored as differences from the one
// before, and decode whole.
func TestReleasesRoundTrip(t *testing.T) {
	in, k1, k2 := testBundle()
	in.Kubernetes = []Release{
		{Version: "1.37", Source: "k8s.io/kubernetes@v1.37.2", Set: Set{Defs: map[string]string{"a": k1, "b": k2}, Kinds: map[string]string{"v1/A": "a", "v1/B": "b"}}},
		{Version: "1.36", Source: "k8s.io/kubernetes@v1.36.3", Set: Set{Defs: map[string]string{"a": k1}, Kinds: map[string]string{"v1/A": "a"}}},
		{Version: "1.35", Source: "k8s.io/kubernetes@v1.35.4", Set: Set{Defs: map[string]string{"a": k2, "c": k1}, Kinds: map[string]string{"v1/A": "a", "v1/C": "c"}}},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Kubernetes, in.Kubernetes) {
		t.Errorf("releases:\ngot  %+v\nwant %+v", got.Kubernetes, in.Kubernetes)
	}
}
