package federation

import (
	"crypto/rsa"
	"sync"

	"github.com/coopol/coopol/federation/httpsign"
)

// keyCache keeps parsed keys by their PEM text: every delivery and every
// inbox request needs one, and parsing PEM/PKCS#8 each time is wasted
// work. Keyed by the PEM itself, a rotated key is simply a new entry.
type keyCache struct {
	private sync.Map // PEM -> *rsa.PrivateKey
	public  sync.Map // PEM -> *rsa.PublicKey
}

func (k *keyCache) privateKey(pem string) (*rsa.PrivateKey, error) {
	if v, ok := k.private.Load(pem); ok {
		return v.(*rsa.PrivateKey), nil
	}
	key, err := httpsign.ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	k.private.Store(pem, key)
	return key, nil
}

func (k *keyCache) publicKey(pem string) (*rsa.PublicKey, error) {
	if v, ok := k.public.Load(pem); ok {
		return v.(*rsa.PublicKey), nil
	}
	key, err := httpsign.ParsePublicKey(pem)
	if err != nil {
		return nil, err
	}
	k.public.Store(pem, key)
	return key, nil
}
