package io.softnic.engine.bus;

import io.softnic.engine.counters.EngineCounters;
import io.softnic.verbs.VerbsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FlowTableTest
{
    @Test
    void receivingClassByClassLastsOnlyWhileAFlowOfAClassAboveZeroExists()
    {
        try (EngineCounters counters = EngineCounters.create(null))
        {
            final FlowTable table = new FlowTable(16, counters);
            table.create(-1, "plain", 0, 1);
            assertFalse(table.prioritized(), "class 0 only: bursts in arrival order");
            table.create(3, "bulk", 2, 4);
            table.create(5, "bulk", 1, 1);
            assertTrue(table.prioritized());
            assertEquals(1, table.removeOwner(3).size());
            assertTrue(table.prioritized(), "vNIC 5's class 1 flow is still there");
            table.removeOwner(5);
            assertFalse(table.prioritized(), "its tenants detached: back to arrival order");
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheClientsOwnMessages()
    {
        try (EngineCounters counters = EngineCounters.create(null))
        {
            final FlowTable table = new FlowTable(16, counters);
            assertTrue(assertThrows(VerbsException.class, () -> table.create(1, "x", 8, 1)).getMessage()
                .contains("class 8 out of range 0..7"));
            assertTrue(assertThrows(VerbsException.class, () -> table.create(1, "-x", 0, 1)).getMessage()
                .contains("flow name"));
            assertTrue(assertThrows(VerbsException.class, () -> table.create(1, "x", 0, 17)).getMessage()
                .contains("at most 16"));
            assertTrue(assertThrows(VerbsException.class, () -> table.create(-1, "x", 0, 1025)).getMessage()
                .contains("1..1024"));
        }
    }
}
