package gateway

import (
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Authenticator turns a bearer token into a user id. It accepts static API
// tokens from the configuration and JWTs signed with the configured HS256
// secret or RS256 public key; the user id is the JWT's "user_id" claim, or
// its subject.
type Authenticator struct {
	static map[string]string // token -> user id
	secret []byte
	public *rsa.PublicKey
}

// ErrUnauthenticated is returned for a missing, malformed, expired or
// wrongly signed token; the reason travels in the wrapped message.
var ErrUnauthenticated = errors.New("unauthenticated")

// NewAuthenticator builds an authenticator. static maps tokens to user ids;
// secret enables HS256 JWTs; publicKeyPEM enables RS256 JWTs. At least one
// must be given.
func NewAuthenticator(static map[string]string, secret []byte, publicKeyPEM []byte) (*Authenticator, error) {
	a := &Authenticator{static: static, secret: secret}
	if len(publicKeyPEM) > 0 {
		k, err := jwt.ParseRSAPublicKeyFromPEM(publicKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("jwt public key: %w", err)
		}
		a.public = k
	}
	if len(a.static) == 0 && len(a.secret) == 0 && a.public == nil {
		return nil, errors.New("auth: no tokens, no JWT secret and no JWT public key configured")
	}
	return a, nil
}

// Authenticate returns the user id of token.
func (a *Authenticator) Authenticate(token string) (string, error) {
	if token == "" {
		return "", fmt.Errorf("%w: no bearer token", ErrUnauthenticated)
	}
	for t, user := range a.static {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return user, nil
		}
	}
	if strings.Count(token, ".") != 2 || (len(a.secret) == 0 && a.public == nil) {
		return "", fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		switch t.Method.(type) {
		case *jwt.SigningMethodHMAC:
			if len(a.secret) > 0 && t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
				return a.secret, nil
			}
		case *jwt.SigningMethodRSA:
			if a.public != nil && t.Method.Alg() == jwt.SigningMethodRS256.Alg() {
				return a.public, nil
			}
		}
		return nil, fmt.Errorf("signing method %s not accepted", t.Method.Alg())
	}, jwt.WithExpirationRequired(), jwt.WithLeeway(30e9))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if u, ok := claims["user_id"].(string); ok && u != "" {
		return u, nil
	}
	if sub, err := claims.GetSubject(); err == nil && sub != "" {
		return sub, nil
	}
	return "", fmt.Errorf("%w: token names no user (user_id or sub claim)", ErrUnauthenticated)
}

// bearer extracts the token of an Authorization: Bearer header, or of the
// access_token query parameter, which browsers' WebSocket API needs since it
// cannot set headers.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	if r.URL.Path == wsPath {
		return r.URL.Query().Get("access_token")
	}
	return ""
}
