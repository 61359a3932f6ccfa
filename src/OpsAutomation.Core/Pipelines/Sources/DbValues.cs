using System.Globalization;
using System.Numerics;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Database values as the record contract's types: every integer as long (an unsigned one too big
/// for long as decimal), float as double, DateTime as DateTimeOffset (a DateTime without a kind is
/// taken as UTC, as PostgreSQL's timestamp has no zone), a date as midnight UTC, arrays as
/// read-only lists; what has no contract type (blobs, times of day, UUIDs, intervals) as its
/// invariant text (blobs in base64).
/// </summary>
internal static class DbValues
{
    public static object? ToRecordValue(object? value) => value switch
    {
        null or DBNull => null,
        string or long or double or decimal or bool or DateTimeOffset => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        sbyte b => (long)b,
        ushort u => (long)u,
        uint u => (long)u,
        ulong u => u <= long.MaxValue ? (long)u : (decimal)u,
        float f => (double)f,
        BigInteger big => big >= new BigInteger(decimal.MinValue) && big <= new BigInteger(decimal.MaxValue) ? (decimal)big : big.ToString(CultureInfo.InvariantCulture),
        DateTime d => d.Kind == DateTimeKind.Local ? new DateTimeOffset(d) : new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        char c => c.ToString(),
        byte[] bytes => Convert.ToBase64String(bytes),
        Array array => array.Cast<object?>().Select(ToRecordValue).ToList().AsReadOnly(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
