// The control repository's conformance suite on both metadata engines: a
// SQLite file and a database on a throwaway PostgreSQL cluster.
import { describe } from "vitest";
import { controlRepositoryConformance } from "../../test/conformance/control-repository.ts";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { DbControlRepository } from "./db-repository.ts";

describe.each(metadataKinds())("control repository (%s)", (kind) => {
  const md = freshMetadata(kind);
  controlRepositoryConformance(kind, async () => {
    const meta = await md.open();
    return {
      repo: new DbControlRepository(meta.db),
      replica: async () => new DbControlRepository((await md.open()).db),
      close: async () => {},
    };
  });
});
