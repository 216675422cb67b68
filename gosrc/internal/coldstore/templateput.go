package coldstore

import (
	"context"
	"fmt"
	"net/http"
)

// putTemplate installs (or replaces) an index template. A refusal no
// retry can fix (credentials, rights, a wrong URL, a template the cluster
// rejects) is a *fatalError; an unreachable or busy cluster is an outage
// to wait out.
func putTemplate(ctx context.Context, es *esClient, t indexTemplate) error {
	rep, err := es.do(ctx, http.MethodPut, "/_index_template/"+t.Name, "application/json", t.Body)
	if err != nil {
		return fmt.Errorf("install index template %s: %w", t.Name, err)
	}
	if rep.Status == http.StatusOK {
		return nil
	}
	err = fmt.Errorf("install index template %s: Elasticsearch answered %d: %s", t.Name, rep.Status, snippet(rep.Body))
	switch {
	case retryableStatus(rep.Status):
		return err
	case rep.Status == http.StatusUnauthorized:
		return &fatalError{fmt.Errorf("%w (the credentials are wrong or missing)", err)}
	case rep.Status == http.StatusForbidden:
		return &fatalError{fmt.Errorf("%w (the user or API key needs the manage_index_templates privilege)", err)}
	case rep.Status == http.StatusNotFound:
		return &fatalError{fmt.Errorf("%w (no Elasticsearch API at this URL: check its path)", err)}
	default:
		return &fatalError{err}
	}
}
