package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fernet/fernet-go"
)

// ErrUndecryptable marks a stored value that no configured key opens, or
// whose ciphertext was altered. Such rows are reported and skipped.
var ErrUndecryptable = errors.New("stored value cannot be decrypted: wrong TOKEN_ENCRYPTION_KEY or the row was tampered with")

// Cipher encrypts with the first key and decrypts with any of them, so a
// key can be rotated by putting the new one first.
type Cipher struct {
	keys []*fernet.Key
}

// NewCipher parses TOKEN_ENCRYPTION_KEY: one or more comma-separated Fernet
// keys, each 32 bytes in URL-safe base64 (44 characters) as Python's
// Fernet.generate_key() makes. A key is used as given, never decoded twice.
func NewCipher(keys string) (*Cipher, error) {
	var ks []*fernet.Key
	for i, part := range strings.Split(keys, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := fernet.DecodeKey(part)
		if err != nil {
			// The key itself must not appear in the message.
			return nil, fmt.Errorf("TOKEN_ENCRYPTION_KEY: key %d (of %d characters) is not a Fernet key; it must be 32 random bytes in URL-safe base64, 44 characters, as `nextcloud-mcp-server genkey` or Python's Fernet.generate_key() makes", i+1, len(part))
		}
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return nil, errors.New("TOKEN_ENCRYPTION_KEY is empty; generate one with `nextcloud-mcp-server genkey` or Python's Fernet.generate_key()")
	}
	return &Cipher{keys: ks}, nil
}

// GenerateKey returns a new random key in the form NewCipher accepts.
func GenerateKey() (string, error) {
	var k fernet.Key
	if err := k.Generate(); err != nil {
		return "", fmt.Errorf("generate encryption key: %w", err)
	}
	return k.Encode(), nil
}

// KeyCount is the number of configured keys.
func (c *Cipher) KeyCount() int { return len(c.keys) }

// sealed binds a secret to the row it belongs to, so a ciphertext copied
// into another user's row does not decrypt there.
type sealed struct {
	Bind  string `json:"b"`
	Value []byte `json:"v"`
}

// Encrypt seals value for the row named by bind with the first key.
func (c *Cipher) Encrypt(bind string, value []byte) ([]byte, error) {
	pt, err := json.Marshal(sealed{Bind: bind, Value: value})
	if err != nil {
		return nil, fmt.Errorf("encode secret for encryption: %w", err)
	}
	tok, err := fernet.EncryptAndSign(pt, c.keys[0])
	if err != nil {
		return nil, fmt.Errorf("encrypt secret: %w", err)
	}
	return tok, nil
}

// Decrypt opens a value sealed for bind with any configured key. It reports
// which key opened it (0 is the current one).
func (c *Cipher) Decrypt(bind string, tok []byte) (value []byte, keyIndex int, err error) {
	for i, k := range c.keys {
		pt := fernet.VerifyAndDecrypt(tok, 0, []*fernet.Key{k})
		if pt == nil {
			continue
		}
		var s sealed
		if json.Unmarshal(pt, &s) != nil || s.Bind != bind {
			return nil, -1, ErrUndecryptable
		}
		return s.Value, i, nil
	}
	return nil, -1, ErrUndecryptable
}

// ErrWrongKey means rows are stored and no configured key opens any of
// them: TOKEN_ENCRYPTION_KEY is not the key they were written with.
var ErrWrongKey = errors.New("TOKEN_ENCRYPTION_KEY opens none of the stored rows")
