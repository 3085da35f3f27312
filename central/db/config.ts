// The `metadata` key of central's configuration: where the metadata and the
// service model live. `{kind: sqlite}` (default): a file in the data dir,
// nothing to install, replicas only on one host. `{kind: postgres, url}`:
// a PostgreSQL database shared by replicas on any node; the URL may come
// from DATABASE_URL instead of the file (a secret of the deployment).
import { type Static, Type } from "@sinclair/typebox";

export const SqliteMetadataSchema = Type.Object(
  {
    kind: Type.Literal("sqlite"),
    /** The database file; default `<dataDir>/metadata.sqlite`. */
    path: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const PostgresMetadataSchema = Type.Object(
  {
    kind: Type.Literal("postgres"),
    /** `postgres://user:password@host:5432/vetra` (libpq URL; `?sslmode=require` for TLS); or DATABASE_URL. */
    url: Type.String({ pattern: "^postgres(ql)?://[^\\s]+$" }),
    /** Connections of each replica's pool (PostgreSQL's max_connections must cover all replicas). */
    maxConnections: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** How long a start waits for the database to answer (it may come up after central). */
    startTimeoutMs: Type.Integer({ minimum: 0, default: 60_000 }),
  },
  { additionalProperties: false },
);

export const MetadataConfigSchema = Type.Union([SqliteMetadataSchema, PostgresMetadataSchema], {
  default: { kind: "sqlite" },
});

export type MetadataConfig = Static<typeof MetadataConfigSchema>;
export type PostgresMetadataConfig = Static<typeof PostgresMetadataSchema>;
