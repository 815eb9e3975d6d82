package bus_test

import (
	"encoding/json"
	"testing/fstest"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
)

func mapFS(upSQL string) fstest.MapFS {
	return fstest.MapFS{"00001_init.sql": {Data: []byte("-- +goose Up\n" + upSQL + "\n")}}
}

func wsqlInit(topic string) wsql.SchemaInitializingQueriesParams {
	return wsql.SchemaInitializingQueriesParams{Topic: topic}
}

func wsqlInsert(topic string, msgs ...*message.Message) wsql.InsertQueryParams {
	return wsql.InsertQueryParams{Topic: topic, Msgs: msgs}
}

var errTest = errorString("test failure")

type errorString string

func (e errorString) Error() string { return string(e) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
