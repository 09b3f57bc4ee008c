package ap

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProofSuite names how an object's proof is made: RSA-SHA256 (the key
// the author already publishes for HTTP signatures) over the object
// encoded as Go encodes a decoded JSON value (keys sorted), proofValue
// left out. It lets a group relay a members-only post that its author's
// server will not serve to other servers, while the receivers still check
// that the author wrote it (the shape of FEP-8b32's DataIntegrityProof).
const ProofSuite = "coopol-rsa-sha256-2026"

// SignObject adds a proof by keyID to obj.
func SignObject(obj map[string]any, keyID string, key *rsa.PrivateKey, now time.Time) error {
	delete(obj, "proof")
	obj["proof"] = map[string]any{
		"type": "DataIntegrityProof", "cryptosuite": ProofSuite, "verificationMethod": keyID,
		"proofPurpose": "assertionMethod", "created": now.UTC().Format(time.RFC3339),
	}
	digest, err := proofDigest(obj)
	if err != nil {
		return err
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest)
	if err != nil {
		return err
	}
	obj["proof"].(map[string]any)["proofValue"] = base64.StdEncoding.EncodeToString(sig)
	return nil
}

// ProofKeyID returns the key an object's proof claims to be made with,
// "" when it has no proof of our suite.
func ProofKeyID(obj map[string]any) string {
	proof := Object(obj["proof"])
	if proof == nil || Str(proof, "cryptosuite") != ProofSuite {
		return ""
	}
	return Str(proof, "verificationMethod")
}

// VerifyObject checks obj's proof against pub (the key named by
// ProofKeyID, fetched from the author's origin by the caller).
func VerifyObject(obj map[string]any, pub *rsa.PublicKey) error {
	proof := Object(obj["proof"])
	if proof == nil || Str(proof, "cryptosuite") != ProofSuite {
		return errors.New("no proof")
	}
	sig, err := base64.StdEncoding.DecodeString(Str(proof, "proofValue"))
	if err != nil || len(sig) == 0 {
		return errors.New("malformed proof value")
	}
	unsigned := make(map[string]any, len(obj))
	for k, v := range obj {
		unsigned[k] = v
	}
	options := make(map[string]any, len(proof))
	for k, v := range proof {
		if k != "proofValue" {
			options[k] = v
		}
	}
	unsigned["proof"] = options
	digest, err := proofDigest(unsigned)
	if err != nil {
		return err
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig); err != nil {
		return errors.New("proof does not verify")
	}
	return nil
}

// proofDigest hashes the canonical form of obj: encoded, decoded into
// plain JSON values and encoded again, so that the signer's Go types and
// the receiver's decoded maps give the same bytes.
func proofDigest(obj map[string]any) ([]byte, error) {
	first, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	var plain any
	if err := json.Unmarshal(first, &plain); err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	canonical, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return sum[:], nil
}
