package tgfake

import (
	"encoding/binary"
	"errors"
	"io"
)

// Content is the bytes of a stored file. It is read at arbitrary offsets,
// concurrently, so implementations must not keep a read position.
type Content interface {
	io.ReaderAt
	Size() int64
}

// Pattern returns size pseudo-random bytes determined by seed. Any byte can be
// computed from its offset alone, so a file of many GiB costs no memory and
// reads at any offset agree with a sequential read.
func Pattern(seed uint64, size int64) Content {
	if size < 0 {
		panic("tgfake: Pattern with negative size")
	}
	return pattern{seed: seed, size: size}
}

type pattern struct {
	seed uint64
	size int64
}

func (p pattern) Size() int64 { return p.size }

func (p pattern) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("tgfake: negative offset")
	}
	if off >= p.size {
		return 0, io.EOF
	}
	n := len(b)
	if rest := p.size - off; int64(n) > rest {
		n = int(rest)
	}
	var word [8]byte
	for i := 0; i < n; {
		pos := off + int64(i)
		block, skip := uint64(pos/8), int(pos%8)
		binary.LittleEndian.PutUint64(word[:], mix64(p.seed^(block*0x9e3779b97f4a7c15)))
		i += copy(b[i:n], word[skip:])
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// mix64 is the splitmix64 finalizer: a cheap bijection that spreads every
// input bit over the output.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Bytes returns content that holds b. The caller must not modify b afterwards.
func Bytes(b []byte) Content { return byteContent(b) }

type byteContent []byte

func (c byteContent) Size() int64 { return int64(len(c)) }

func (c byteContent) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("tgfake: negative offset")
	}
	if off >= int64(len(c)) {
		return 0, io.EOF
	}
	n := copy(b, c[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}
