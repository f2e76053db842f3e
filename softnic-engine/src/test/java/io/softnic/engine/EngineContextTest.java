package io.softnic.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EngineContextTest
{
    @Test
    void flowQueuesTooLargeForTheQpsAreRefusedBeforeTheEngineStarts()
    {
        assertDoesNotThrow(() -> new EngineContext().maxQps(1 << 20).conclude(), "the largest engine, default queues");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new EngineContext().maxQps(1 << 20).flowQueueCapacity(4096).conclude());
        assertTrue(ex.getMessage().contains("lower flowQueueCapacity"), ex.getMessage());
    }
}
