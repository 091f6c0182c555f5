package tgclient

import (
	"errors"
	"fmt"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

// DCAddr is one DC's address, as in TG_DC_LIST.
type DCAddr struct {
	ID   int
	Host string
	Port int
}

// DCList builds the DC list for a private or test MTProto server; with no
// addresses it is Telegram's production (or test) list.
func DCList(addrs []DCAddr, test bool) dcs.List {
	if len(addrs) == 0 {
		if test {
			return dcs.Test()
		}
		return dcs.Prod()
	}
	list := dcs.List{Test: test}
	for _, a := range addrs {
		list.Options = append(list.Options, tg.DCOption{
			ID:        a.ID,
			IPAddress: a.Host,
			Port:      a.Port,
			Static:    true,
		})
	}
	return list
}

// ParsePublicKeys reads PKCS#1 "RSA PUBLIC KEY" PEM blocks.
func ParsePublicKeys(pem []byte) ([]telegram.PublicKey, error) {
	keys, err := crypto.ParseRSAPublicKeys(pem)
	if err != nil {
		return nil, fmt.Errorf("parse public keys: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("parse public keys: no RSA PUBLIC KEY block")
	}
	out := make([]telegram.PublicKey, len(keys))
	for i, k := range keys {
		out[i] = telegram.PublicKey{RSA: k}
	}
	return out, nil
}
