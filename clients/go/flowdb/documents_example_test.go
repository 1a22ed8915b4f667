package flowdb_test

import (
	"context"
	"fmt"
	"log"

	"github.com/flowdb/flowdb/clients/go/flowdb"
)

// The document API: a schema, writes with Go values, a unique-index
// violation as a typed error, and a paged query as an iterator.
func ExampleDatabase() {
	ctx := context.Background()
	c, err := flowdb.Dial(ctx, "127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	db := c.Database("app")
	_, _, err = db.ApplySchema(ctx, []flowdb.StoreSchema{{
		Name: "users", KeyPath: []string{"id"},
		Indexes: []flowdb.IndexSchema{{Name: "by_email", KeyPath: []string{"email"}, Unique: true}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Put(ctx, "users", nil, map[string]any{"id": 1, "email": "a@example.com"}); err != nil {
		log.Fatal(err)
	}
	_, err = db.Add(ctx, "users", nil, map[string]any{"id": 2, "email": "a@example.com"})
	if flowdb.ReasonOf(err) == flowdb.ReasonAlreadyExists {
		fmt.Println("email taken")
	}
	for doc, err := range db.Query(ctx, "users", flowdb.ReadRange(flowdb.KeyLowerBound(1, false))) {
		if err != nil {
			log.Fatal(err)
		}
		var u struct {
			ID    int    `json:"id"`
			Email string `json:"email"`
		}
		if err := doc.Decode(&u); err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.ID, u.Email)
	}
}
