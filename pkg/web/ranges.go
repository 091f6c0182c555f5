package web

import (
	"cmp"
	"errors"
	"math"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// httpRange is bytes first..last (inclusive) of a representation.
type httpRange struct {
	first, last int64
}

func (ra httpRange) length() int64 { return ra.last - ra.first + 1 }

func (ra httpRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(ra.first, 10) + "-" + strconv.FormatInt(ra.last, 10) + "/" + strconv.FormatInt(size, 10)
}

var (
	// errMalformedRange: the Range header is not a byte-range set this
	// server understands (syntax, a foreign unit, too many ranges); it is
	// ignored and the whole representation is the answer (RFC 9110 §14.2).
	errMalformedRange = errors.New("malformed range")
	// errUnsatisfiable: no range overlaps the representation (416).
	errUnsatisfiable = errors.New("range not satisfiable")
)

// maxRanges bounds the ranges of one request; more are treated as
// malformed (RFC 9110 §14.2 lets a server ignore such a request).
const maxRanges = 64

// parseRange parses a Range header value (RFC 9110 §14.1.2) against a
// representation of size bytes. Ends past the representation are clamped,
// a suffix longer than it takes all of it. Ranges keep the client's order.
// An empty header yields no ranges and no error.
func parseRange(header string, size int64) ([]httpRange, error) {
	if header == "" {
		return nil, nil
	}
	unit, set, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(unit, "bytes") {
		return nil, errMalformedRange
	}
	var ranges []httpRange
	specs, unsatisfiable := 0, false
	for spec := range strings.SplitSeq(set, ",") {
		spec = textproto.TrimString(spec)
		if spec == "" {
			continue // the list rule allows empty elements
		}
		if specs++; specs > maxRanges {
			return nil, errMalformedRange
		}
		firstText, lastText, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, errMalformedRange
		}
		if firstText == "" { // suffix-range: "-" suffix-length
			n, ok := parseDigits(lastText)
			if !ok {
				return nil, errMalformedRange
			}
			if n == 0 || size == 0 {
				unsatisfiable = true
				continue
			}
			ranges = append(ranges, httpRange{first: size - min(n, size), last: size - 1})
			continue
		}
		first, ok := parseDigits(firstText)
		if !ok {
			return nil, errMalformedRange
		}
		last := int64(math.MaxInt64)
		if lastText != "" {
			if last, ok = parseDigits(lastText); !ok || last < first {
				return nil, errMalformedRange
			}
		}
		if first >= size {
			unsatisfiable = true
			continue
		}
		ranges = append(ranges, httpRange{first: first, last: min(last, size-1)})
	}
	switch {
	case len(ranges) > 0:
		return ranges, nil
	case unsatisfiable:
		return nil, errUnsatisfiable
	default: // "bytes=" or "bytes=,,"
		return nil, errMalformedRange
	}
}

// coalesceRanges merges ranges that overlap or touch (RFC 9110 §14.6
// allows it, as nginx and Apache do): a merged range stands where the first
// of its members stood; the others keep the client's order.
func coalesceRanges(ranges []httpRange) []httpRange {
	if len(ranges) < 2 {
		return ranges
	}
	order := make([]int, len(ranges)) // indexes by first byte
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ranges[a].first, ranges[b].first) })
	merged := make([]httpRange, len(ranges))
	keep := make([]bool, len(ranges))
	lead := order[0] // the earliest-listed member of the current group
	cur := ranges[lead]
	for _, i := range order[1:] {
		ra := ranges[i]
		if ra.first <= cur.last+1 {
			cur.last = max(cur.last, ra.last)
			lead = min(lead, i)
			continue
		}
		merged[lead], keep[lead] = cur, true
		lead, cur = i, ra
	}
	merged[lead], keep[lead] = cur, true
	out := ranges[:0:0]
	for i, k := range keep {
		if k {
			out = append(out, merged[i])
		}
	}
	return out
}

// parseDigits parses 1*DIGIT. Values beyond int64 saturate: as a position
// they are past any file, as a suffix length longer than any.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// formatRange renders ranges as a Range header value that net/http's
// ServeContent parses into exactly these ranges.
func formatRange(ranges []httpRange) string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i, ra := range ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(ra.first, 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(ra.last, 10))
	}
	return b.String()
}

// sliceForCap fits ranges into a response of at most maxBytes body bytes
// (0: no cap). A single range keeps its first maxBytes bytes; several
// ranges whose multipart body would not fit, or that ServeContent would
// refuse for overlapping beyond the size, become the first range, sliced.
// No ranges stay none: whether the whole representation fits is for the
// caller to decide.
func sliceForCap(ranges []httpRange, size, maxBytes int64, contentType string) []httpRange {
	if maxBytes <= 0 || len(ranges) == 0 {
		return ranges
	}
	if len(ranges) > 1 {
		var sum int64
		for _, ra := range ranges {
			sum += ra.length()
		}
		if sum <= size && multipartSize(ranges, size, contentType) <= maxBytes {
			return ranges
		}
	}
	ra := ranges[0]
	if ra.length() > maxBytes {
		ra.last = ra.first + maxBytes - 1
	}
	return []httpRange{ra}
}

// multipartSize is the body size of a multipart/byteranges answer with
// these ranges, as ServeContent writes it (its boundaries are always 60
// characters long).
func multipartSize(ranges []httpRange, size int64, contentType string) int64 {
	var w countingWriter
	mw := multipart.NewWriter(&w)
	_ = mw.SetBoundary(strings.Repeat("b", 60))
	var n int64
	for _, ra := range ranges {
		_, _ = mw.CreatePart(textproto.MIMEHeader{
			"Content-Range": {ra.contentRange(size)},
			"Content-Type":  {contentType},
		})
		n += ra.length()
	}
	_ = mw.Close()
	return n + int64(w)
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
