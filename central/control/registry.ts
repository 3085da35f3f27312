// Which control repository central uses: the one on the metadata database
// (SQLite or PostgreSQL, as the config's `metadata` names it), which passes
// the conformance suite (test/conformance/control-repository.ts) on both.
import type { MetaStore } from "../meta/meta.ts";
import { DbControlRepository } from "./db-repository.ts";
import type { ControlRepository } from "./repository.ts";

export const openControlRepository = (meta: MetaStore): ControlRepository => new DbControlRepository(meta.db);
