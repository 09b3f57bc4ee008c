package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// bun writes every argument into the SQL text, so almost no two SELECTs
// are alike. pgx's default caches a prepared statement per text: for
// such one-off texts that meant a Parse/Describe round trip, then the
// execution, then a DEALLOCATE when the cache overflowed — three trips to
// the server for one query. The "coopol-pgx" driver sends statements that
// carry no parameters with the simple protocol (one round trip, as pgx
// already does for Exec); statements with parameters (the queue's, the
// prepared token lookup) keep pgx's defaults.

const simplePGDriver = "coopol-pgx"

func init() {
	sql.Register(simplePGDriver, simplePGXDriver{inner: stdlib.GetDefaultDriver()})
}

type simplePGXDriver struct{ inner driver.Driver }

func (d simplePGXDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &simplePGXConn{Conn: c.(*stdlib.Conn)}, nil
}

type simplePGXConn struct{ *stdlib.Conn }

var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c *simplePGXConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	return c.Conn.QueryContext(ctx, query, args)
}
