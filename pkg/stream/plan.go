package stream

// Telegram's upload.getFile rules for precise requests: offset and limit are
// multiples of 1 KiB, limit is at most 1 MiB, and a request never crosses a
// 1 MiB boundary.
const (
	partAlign = 1 << 10 // 1 KiB
	partSize  = 1 << 20 // 1 MiB: the largest part and the boundary no part crosses
)

// part is one upload.getFile request and what of its answer the caller wants.
type part struct {
	Offset int64 // request offset: multiple of partAlign
	Limit  int64 // request limit: multiple of partAlign, ≤ partSize, within one MiB block
	Skip   int64 // bytes of the answer to drop before the wanted ones
	Take   int64 // wanted bytes after Skip
}

// planParts maps the inclusive byte range first..last onto getFile parts:
// the first from first rounded down to 1 KiB up to the next 1 MiB boundary,
// then whole MiBs, the last trimmed to last rounded up to 1 KiB. Over-fetch
// is under 1 KiB at each end. first ≤ last, both ≥ 0.
func planParts(first, last int64) []part {
	if first < 0 || last < first {
		return nil
	}
	end := roundUp(last+1, partAlign) // exclusive end of what we request
	parts := make([]part, 0, (end-first)/partSize+2)
	for off := first &^ (partAlign - 1); off < end; {
		blockEnd := (off/partSize + 1) * partSize
		limit := min(blockEnd, end) - off
		skip := max(first-off, 0)
		take := min(off+limit, last+1) - off - skip
		parts = append(parts, part{Offset: off, Limit: limit, Skip: skip, Take: take})
		off += limit
	}
	return parts
}

func roundUp(n, to int64) int64 { return (n + to - 1) / to * to }

// validPart reports whether a request obeys the precise getFile rules.
func validPart(p part) bool {
	return p.Offset >= 0 && p.Offset%partAlign == 0 &&
		p.Limit > 0 && p.Limit%partAlign == 0 && p.Limit <= partSize &&
		p.Offset/partSize == (p.Offset+p.Limit-1)/partSize
}
