// Which control repository central uses: the metadata database's. Today that
// is the SQLite file (meta.sqlite); a PostgreSQL metadata store adds its
// implementation of ControlRepository here and passes the same conformance
// suite (test/conformance/control-repository.ts).
import type { MetaStore } from "../meta/meta.ts";
import type { ControlRepository } from "./repository.ts";
import { SqliteControlRepository } from "./sqlite.ts";

export const openControlRepository = (meta: MetaStore): ControlRepository =>
  new SqliteControlRepository(meta.sqlite);
