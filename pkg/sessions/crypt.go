package sessions

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// hkdfSalt names the purpose of the derived key; changing it makes every
// stored session unreadable.
const hkdfSalt = "filetolink session store v1"

// sealer encrypts stored sessions with AES-256-GCM. The key is derived with
// HKDF-SHA256 from the secret (BOT_TOKEN and API_HASH, which the operator
// keeps secret already) and bound to one bot; every blob is also bound to
// its Redis key, so a blob copied to another key does not open.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(secret []byte, bot string) (*sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("sessions: empty encryption secret")
	}
	key, err := hkdf.Key(sha256.New, secret, []byte(hkdfSalt), "bot "+bot, 32)
	if err != nil {
		return nil, fmt.Errorf("sessions: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sessions: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sessions: gcm: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext of plain, authenticated with name.
func (s *sealer) seal(name string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(name))
}

// errUndecryptable: the blob was written with another secret (a new bot
// token) or was tampered with.
var errUndecryptable = errors.New("sessions: stored session does not decrypt (another BOT_TOKEN/API_HASH?)")

func (s *sealer) open(name string, blob []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(blob) < n+s.aead.Overhead() {
		return nil, errUndecryptable
	}
	plain, err := s.aead.Open(nil, blob[:n], blob[n:], []byte(name))
	if err != nil {
		return nil, errUndecryptable
	}
	return plain, nil
}
