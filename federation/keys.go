package federation

import (
	"crypto/rsa"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/coopol/coopol/federation/httpsign"
)

// maxCachedKeys bounds each side of the key cache. Public keys come from
// any server that signs a request, so an unbounded cache would grow with
// every key a hostile peer invents; a few thousand covers the servers a
// section really talks to.
const maxCachedKeys = 4096

// keyCache keeps parsed keys by their PEM text: every delivery and every
// inbox request needs one, and parsing PEM/PKCS#8 each time is wasted
// work. Keyed by the PEM itself, a rotated key is simply a new entry; the
// least recently used entries go first (golang-lru: a well-kept, bounded
// LRU rather than one of our own).
type keyCache struct {
	once    sync.Once
	private *lru.Cache[string, *rsa.PrivateKey]
	public  *lru.Cache[string, *rsa.PublicKey]
}

func (k *keyCache) init() {
	k.once.Do(func() {
		k.private, _ = lru.New[string, *rsa.PrivateKey](maxCachedKeys) // only fails on a size <= 0
		k.public, _ = lru.New[string, *rsa.PublicKey](maxCachedKeys)
	})
}

func (k *keyCache) privateKey(pem string) (*rsa.PrivateKey, error) {
	k.init()
	if key, ok := k.private.Get(pem); ok {
		return key, nil
	}
	key, err := httpsign.ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	k.private.Add(pem, key)
	return key, nil
}

func (k *keyCache) publicKey(pem string) (*rsa.PublicKey, error) {
	k.init()
	if key, ok := k.public.Get(pem); ok {
		return key, nil
	}
	key, err := httpsign.ParsePublicKey(pem)
	if err != nil {
		return nil, err
	}
	k.public.Add(pem, key)
	return key, nil
}
