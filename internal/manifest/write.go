package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// WriteFiles writes every edited file under dir, or none: each new content
// goes to a temporary file beside its target first, and only when all are
// written are they renamed into place (a rename is atomic, so a reader sees
// the old file or the new one, never half of each). Modes are kept. Files are
// written in parallel: creating files is what a large bump spends most on.
func WriteFiles(dir string, files []FileEdit) error {
	tmps := make([]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(4, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				tmps[i], errs[i] = writeTemp(dir, files[i], i)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	cleanup := func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		cleanup()
		return fmt.Errorf("nothing was changed: %w", err)
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil {
			cleanup()
			return fmt.Errorf("replacing %q after %d of %d files: %w", f.Path, i, len(files), err)
		}
		tmps[i] = ""
	}
	return nil
}

// writeTemp writes f's new content to a new file beside it, with its mode,
// and returns that file's name.
func writeTemp(dir string, f FileEdit, n int) (string, error) {
	dst := filepath.Join(dir, filepath.FromSlash(f.Path))
	info, err := os.Stat(dst)
	if err != nil {
		return "", fmt.Errorf("writing %q: %w", f.Path, err)
	}
	tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.gitops-actions-%d-%d", filepath.Base(dst), os.Getpid(), n))
	if err := createFile(tmp, f.New, info.Mode().Perm()); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %q: %w", f.Path, err)
	}
	return tmp, nil
}
