import { InMemoryEventStore } from "./event_store.ts";
import { InMemorySessionStore } from "./session_store.ts";
import { eventStoreSuite, sessionStoreSuite } from "../../testing/store_contract.ts";

eventStoreSuite("InMemoryEventStore", (caps) => new InMemoryEventStore(caps));
sessionStoreSuite("InMemorySessionStore", () => new InMemorySessionStore());
