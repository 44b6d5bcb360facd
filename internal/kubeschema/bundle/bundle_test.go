package bundle

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"reflect"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	in := &Bundle{
		Format:     Format,
		Kubernetes: []Release{{Version: "1.37", Source: "k8s.io/kubernetes@v1.37.2", Set: Set{Defs: map[string]string{"a": "k1"}, Kinds: map[string]string{"v1/A": "a"}}}},
		CRDs:       Set{Defs: map[string]string{"c": "k2"}, Kinds: map[string]string{"x/v1/C": "c"}},
		Blobs:      map[string]json.RawMessage{"k1": json.RawMessage(`{"type":"object"}`), "k2": json.RawMessage(`{"type":"string","pattern":"\n"}`)},
	}
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
	if !reflect.DeepEqual(got.Keys(), []string{"k1", "k2"}) {
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
	head.packed, head.Blobs = nil, in.Blobs
	if !reflect.DeepEqual(&head, in) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", &head, in)
	}
	// zcat reads the file as the header line and then the blobs.
	zr, err := gzip.NewReader(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if _, rest, _ := bytes.Cut(all, []byte("\n")); string(rest) != string(in.Blobs["k1"])+string(in.Blobs["k2"]) {
		t.Errorf("after the header, the members hold %q", rest)
	}
}

func TestDecodeRejectsCorruptBlob(t *testing.T) {
	in := &Bundle{Format: Format, Blobs: map[string]json.RawMessage{"k1": json.RawMessage(`{"type":"object"}`)}}
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	data[len(data)-12] ^= 0xff // inside the blob's deflate data or checksum
	b, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Blob("k1"); err == nil {
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
