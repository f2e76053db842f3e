package io.softnic.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PsnTest {
    @Test
    void wrapsAtTwoToTheTwentyFour() {
        assertEquals(0, Psn.next(0xFFFFFF));
        assertEquals(0xFFFFFF, Psn.previous(0));
        assertEquals(4, Psn.add(0xFFFFFE, 6));
        assertEquals(0xFFFFFE, Psn.add(4, -6));
        assertEquals(1, Psn.diff(0, 0xFFFFFF));
        assertEquals(-1, Psn.diff(0xFFFFFF, 0));
        assertEquals(-(1 << 23), Psn.diff(1 << 23, 0));
        assertEquals((1 << 23) - 1, Psn.diff((1 << 23) - 1, 0));
        assertTrue(Psn.before(0xFFFFFF, 0));
        assertTrue(Psn.afterOrEqual(0, 0xFFFFFF));
        assertTrue(Psn.afterOrEqual(5, 5));
        assertFalse(Psn.before(5, 5));
        assertTrue(Psn.isValid(0xFFFFFF));
        assertFalse(Psn.isValid(0x1000000));
        assertFalse(Psn.isValid(-1));
    }

    @Property(tries = 2000)
    void addThenDiffRecoversDistance(@ForAll @IntRange(min = 0, max = Psn.MASK) final int psn,
                                     @ForAll @IntRange(min = -(1 << 23), max = (1 << 23) - 1) final int n) {
        final int later = Psn.add(psn, n);
        assertTrue(Psn.isValid(later));
        assertEquals(n, Psn.diff(later, psn));
        assertEquals(n < 0, Psn.before(later, psn));
        assertEquals(n >= 0, Psn.afterOrEqual(later, psn));
        assertEquals(n > 0, Psn.after(later, psn));
        assertEquals(n <= 0, Psn.beforeOrEqual(later, psn));
    }

    @Property(tries = 2000)
    void diffIsAntisymmetricExceptAtHalfRange(@ForAll @IntRange(min = 0, max = Psn.MASK) final int a,
                                              @ForAll @IntRange(min = 0, max = Psn.MASK) final int b) {
        final int d = Psn.diff(a, b);
        assertTrue(d >= -(1 << 23) && d < (1 << 23));
        assertEquals(a, Psn.add(b, d));
        Assume.that(d != -(1 << 23));
        assertEquals(-d, Psn.diff(b, a));
        assertEquals(Psn.before(a, b), Psn.after(b, a));
    }

    @Property(tries = 1000)
    void nextIsAlwaysAfter(@ForAll @IntRange(min = 0, max = Psn.MASK) final int psn) {
        assertTrue(Psn.before(psn, Psn.next(psn)));
        assertEquals(1, Psn.diff(Psn.next(psn), psn));
        assertEquals(psn, Psn.previous(Psn.next(psn)));
    }
}
