package coldstore

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
)

// Through a secured endpoint (HTTPS from a private CA, basic auth or an
// API key, as a managed service presents it), with the CA named in
// ca-file, both kinds of credentials ship every record once.
func TestShipsThroughTLSWithBasicAuthAndWithAnAPIKey(t *testing.T) {
	s := startServers(t)
	front := estest.StartSecure(t, s.es)
	c := s.redis.Conn(t)
	for i, cred := range []string{"basic", "api-key"} {
		t.Run(cred, func(t *testing.T) {
			path := "conn" + cred
			recs := make([]string, 0, 300)
			for j := 0; j < 300; j++ {
				recs = append(recs, connRecord(j))
			}
			xadd(t, c, "zeek:"+path, recs...)
			cfg := testConfig(t, s, fmt.Sprint("a", i), path)
			cfg.CAFile = front.CAFile
			if cred == "basic" {
				cfg.ElasticsearchURL = front.AuthURL()
			} else {
				cfg.ElasticsearchURL = front.URL
				cfg.APIKey = front.APIKeyID + ":" + front.APIKey
			}
			sh := startShipper(t, cfg)
			s.es.WaitTotal(t, "zeek-"+path+"-*", 300, waitTimeout)
			eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == 300 })
			require.NoError(t, sh.stop())
			assert.Empty(t, sh.Stats().LastError)
		})
	}
}
