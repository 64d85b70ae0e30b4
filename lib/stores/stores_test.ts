import { InMemoryEventStore } from "./event_store.ts";
import { InMemorySessionStore } from "./session_store.ts";
import { eventStoreSuite, sessionStoreSuite } from "./_test_utils.ts";

eventStoreSuite("InMemoryEventStore", (caps) => new InMemoryEventStore(caps));
sessionStoreSuite("InMemorySessionStore", () => new InMemorySessionStore());
