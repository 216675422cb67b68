package estest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerAnswersAndRequiresAuth(t *testing.T) {
	s := Start(t)
	status, _, err := s.DoAs("", "", "GET", "/es/_index_template", nil)
	require.NoError(t, err)
	assert.Equal(t, 401, status, "Zinc must refuse a client without credentials")
	status, body, err := s.Do("GET", "/es/_index_template", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, status, string(body))
}
