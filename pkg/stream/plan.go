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

// A stream alone (no other stream open in this process) on several idle
// accounts (bots, each with its own connections and rate: Spreader) cuts
// its plan at both ends, so that those connections start and finish
// together:
//
//   - The first window (headParts, what a client that hangs up at once
//     costs) goes out as one call per account rather than two 1 MiB
//     calls: with four accounts its bytes arrive in a quarter of the time,
//     on four accounts at once, and the window grows sooner (reader). Each
//     account makes the one call its rate allows at once (tgclient's
//     burst at TG_RATE 10 is one).
//   - The last two 1 MiB parts per account (at most Window/2) are halved
//     in a read long enough to run at its full window (Window parts
//     between them and the first window): at the end of a read every
//     connection has up to two calls queued, and whole parts leave the
//     connections finishing up to a part apart; half parts halve that.
//     The price is one call per part halved, on accounts whose rate has
//     room when a stream runs alone.
//
// No piece is smaller than minPiece: below it a call's round trip costs
// more than its bytes gain, so small files are never cut. With one
// account, or when the others are busy, the plan is left as it is: there
// is nothing to spread over, and every extra call would cost the rate.
const minPiece = 256 << 10

// spreadPlan cuts parts for a stream over accounts idle accounts (see
// above); window is Options.Window. The cut plan obeys the same rules and
// covers the same bytes as parts; parts is not modified.
func spreadPlan(parts []part, accounts, window int) []part {
	if accounts < 2 || len(parts) == 0 {
		return parts
	}
	head := headParts(parts)
	last := parts[head-1]
	bytes := last.Offset + last.Limit - parts[0].Offset
	out := make([]part, 0, len(parts)+accounts+window)
	for _, p := range parts[:head] {
		// p's share of one call per account, rounded to the nearest.
		n := int((int64(2*accounts)*p.Limit + bytes) / (2 * bytes))
		out = cut(out, p, n)
	}
	tail := len(parts)
	if halves := min(2*accounts, window/2); len(parts)-head-halves >= window {
		tail -= halves // a read long enough to run at its full window
	}
	out = append(out, parts[head:tail]...)
	for _, p := range parts[tail:] {
		out = cut(out, p, 2)
	}
	return out
}

// cut appends p to out as n calls of about equal size (fewer if they
// would be under minPiece; at least one).
func cut(out []part, p part, n int) []part {
	n = max(1, min(n, int(p.Limit/minPiece)))
	piece := roundUp((p.Limit+int64(n)-1)/int64(n), partAlign)
	from, to := p.Offset+p.Skip, p.Offset+p.Skip+p.Take // the wanted bytes
	for off := p.Offset; off < p.Offset+p.Limit; off += piece {
		limit := min(piece, p.Offset+p.Limit-off)
		skip := max(from-off, 0)
		out = append(out, part{Offset: off, Limit: limit, Skip: skip, Take: min(off+limit, to) - off - skip})
	}
	return out
}

// headParts is how many of parts the first window holds: those within
// initialWindow bytes of the first, at least one.
func headParts(parts []part) int {
	n := 1
	for n < len(parts) && parts[n].Offset+parts[n].Limit-parts[0].Offset <= initialWindow {
		n++
	}
	return n
}

// mostWithin is the most consecutive parts that lie within bytes of the
// first one's offset: how many a limit of bytes can have requested at once.
func mostWithin(parts []part, bytes int64) int {
	most, j := 0, 0
	for i := range parts {
		for j < len(parts) && parts[j].Offset+parts[j].Limit-parts[i].Offset <= bytes {
			j++
		}
		most = max(most, j-i)
	}
	return most
}
