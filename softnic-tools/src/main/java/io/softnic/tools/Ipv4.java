package io.softnic.tools;

/** IPv4 addresses as the CLI takes them: dotted quads only, so a typo never turns into a DNS lookup. */
public final class Ipv4
{
    private Ipv4()
    {
    }

    public static boolean isValid(final String s)
    {
        if (s == null)
        {
            return false;
        }
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4)
        {
            return false;
        }
        for (final String p : parts)
        {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255)
            {
                return false;
            }
        }
        return true;
    }
}
