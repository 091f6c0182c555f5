package sessions

import (
	"errors"
	"testing"
)

// replyFrom builds a reply value (what go-redis hands a script's caller:
// nil, int64, string or []any) from fuzz bytes. Each value starts with a
// tag byte: 0 nil, 1 an int64 (next byte, signed, times 1000), 2 a string
// (next byte: its length), 3 an array (next byte: its length); depth is
// bounded.
func replyFrom(data []byte, depth int) (any, []byte) {
	if len(data) == 0 {
		return nil, nil
	}
	tag, data := data[0]%4, data[1:]
	arg := byte(0)
	if len(data) > 0 {
		arg, data = data[0], data[1:]
	}
	switch tag {
	case 1:
		return int64(int8(arg)) * 1000, data
	case 2:
		n := min(int(arg), len(data))
		return string(data[:n]), data[n:]
	case 3:
		if depth > 3 {
			return []any{}, data
		}
		out := []any{}
		for range int(arg % 8) {
			var v any
			v, data = replyFrom(data, depth+1)
			out = append(out, v)
		}
		return out, data
	}
	return nil, data
}

// Every reply decoder takes any reply without a panic; what it refuses is
// errMalformed under ErrStoreUnreachable, and what it accepts has the
// shape its script returns.
func FuzzReplyDecoders(f *testing.F) {
	f.Add([]byte{3, 0})                                                      // *0
	f.Add([]byte{3, 3, 2, 2, 'i', 'd', 2, 1, 't', 2, 1, 'b'})                // a lease
	f.Add([]byte{3, 4, 2, 0, 1, 3, 1, 1, 1, 255})                            // no lease
	f.Add([]byte{3, 2, 2, 2, 'o', 'k', 2, 1, 't'})                           // login granted
	f.Add([]byte{3, 3, 2, 7, 'b', 'l', 'o', 'c', 'k', 'e', 'd', 1, 5, 2, 0}) // blocked
	f.Add([]byte{3, 3, 2, 6, 'b', 'u', 'd', 'g', 'e', 't', 1, 5, 1, 2})      // budget spent
	f.Add([]byte{3, 6, 1, 1, 1, 0, 1, 2, 1, 0, 2, 0, 2, 0})                  // status
	f.Add([]byte{3, 3, 2, 2, 'i', 'd', 1, 1, 0})                             // wrong types
	f.Add([]byte{1, 4})                                                      // an integer
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _ := replyFrom(data, 0)
		res, isArray := v.([]any)
		check := func(name string, err error) {
			if err != nil && (!errors.Is(err, ErrStoreUnreachable) || !errors.Is(err, errMalformed)) {
				t.Fatalf("%s: %v is not a malformed reply", name, err)
			}
		}
		if !isArray {
			return // runSlice refuses it before any decoder sees it
		}
		a, err := decodeAcquire(res)
		check("acquire", err)
		if err == nil && a.id != "" && (len(res) != 3 || a.token == "") {
			t.Fatalf("acquire accepted %#v", res)
		}
		g, err := decodeGrant(res)
		check("grant", err)
		if err == nil && (g.outcome != "ok" && g.outcome != "blocked" && g.outcome != "budget" || g.wait < 0) {
			t.Fatalf("grant accepted %#v as %+v", res, g)
		}
		_, err = decodeStatus(res)
		check("status", err)
		if err == nil && len(res) != 6 {
			t.Fatalf("status accepted %#v", res)
		}
	})
}
