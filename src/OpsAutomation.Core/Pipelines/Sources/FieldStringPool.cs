using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Reuses the string of a short field that repeats (a status, a country, a date, a small number):
/// most columns of a large file hold a few distinct values, and a string per field was the largest
/// share of what a read allocated. Each column has a small table of recent strings by hash; a
/// column whose values rarely repeat stops using it after a sample, so unique keys cost nothing
/// more than a lookup while it learns. ASCII only; other fields are decoded as usual. One per reader.
/// </summary>
internal sealed class FieldStringPool
{
    private const int MaxLength = 24, Slots = 256, Sample = 2048;

    private readonly string?[][] _tables;
    private readonly int[] _lookups;
    private readonly int[] _hits;
    private readonly bool[] _off;

    public FieldStringPool(int columns)
    {
        _tables = new string?[columns][];
        _lookups = new int[columns];
        _hits = new int[columns];
        _off = new bool[columns];
    }

    public string Get(int column, ReadOnlySpan<byte> utf8)
    {
        if (column >= _tables.Length || _off[column] || utf8.Length > MaxLength) return Encoding.UTF8.GetString(utf8);
        var hash = 17u;
        foreach (var b in utf8)
        {
            if (b >= 0x80) return Encoding.UTF8.GetString(utf8);
            hash = (hash ^ b) * 16_777_619u;
        }
        var table = _tables[column] ??= new string?[Slots];
        var slot = (int)((hash ^ (hash >> 15)) & (Slots - 1));
        if (++_lookups[column] == Sample && _hits[column] < Sample / 4) _off[column] = true;
        if (table[slot] is { } pooled && SameAscii(pooled, utf8))
        {
            _hits[column]++;
            return pooled;
        }
        return table[slot] = Encoding.ASCII.GetString(utf8);
    }

    private static bool SameAscii(string text, ReadOnlySpan<byte> utf8)
    {
        if (text.Length != utf8.Length) return false;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (text[i] != utf8[i]) return false;
        }
        return true;
    }
}
