using System.Numerics;
using OpsAutomation.Core.Pipelines.Sources;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class DbValuesTests
{
    public static TheoryData<object?, object?> Conversions() => new()
    {
        { DBNull.Value, null },
        { null, null },
        { 5, 5L },
        { (short)-3, -3L },
        { (byte)7, 7L },
        { 4_000_000_000u, 4_000_000_000L },
        { ulong.MaxValue, 18446744073709551615m },
        { 1.5f, 1.5d },
        { 2.25m, 2.25m },
        { true, true },
        { "x", "x" },
        { new DateTime(2026, 11, 30, 8, 0, 0, DateTimeKind.Unspecified), new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero) },
        { new DateOnly(2026, 11, 30), new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero) },
        { new TimeOnly(13, 5, 7), "13:05:07" },
        { TimeSpan.FromHours(26), "1.02:00:00" },
        { new byte[] { 1, 2, 3 }, "AQID" },
        { Guid.Empty, "00000000-0000-0000-0000-000000000000" },
        { new BigInteger(12), 12m },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Database_values_become_record_types(object? value, object? expected)
    {
        var converted = DbValues.ToRecordValue(value);
        Assert.Equal(expected, converted);
        Assert.Equal(expected?.GetType(), converted?.GetType());
    }

    [Fact]
    public void Arrays_become_read_only_lists_of_converted_elements()
    {
        var list = Assert.IsAssignableFrom<IReadOnlyList<object?>>(DbValues.ToRecordValue(new[] { 1, 2 }));
        Assert.Equal([1L, 2L], list);
    }
}
