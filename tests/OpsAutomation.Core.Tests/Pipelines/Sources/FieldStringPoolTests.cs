using System.Text;
using OpsAutomation.Core.Pipelines.Sources;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class FieldStringPoolTests
{
    [Fact]
    public void Every_field_reads_as_its_decoded_text_whatever_the_pool_does()
    {
        var random = new Random(7);
        var pool = new FieldStringPool(3);
        string[] statuses = ["new", "paid", "shipped", "caf\u00e9", ""];
        for (var row = 0; row < 20_000; row++)
        {
            // A repeating column, a unique one (the pool turns itself off), and one of long or non-ASCII text.
            string[] fields = [statuses[random.Next(statuses.Length)], $"user{row}@example.com", row % 2 == 0 ? new string('x', 30 + row % 5) : $"\u00fcber {row % 7}"];
            for (var column = 0; column < fields.Length; column++)
                Assert.Equal(fields[column], pool.Get(column, Encoding.UTF8.GetBytes(fields[column])));
        }
    }

    [Fact]
    public void A_repeated_short_value_is_one_string()
    {
        var pool = new FieldStringPool(1);
        var first = pool.Get(0, "shipped"u8);
        Assert.Same(first, pool.Get(0, "shipped"u8));
        Assert.NotSame(first, pool.Get(0, "shipper"u8));
    }
}
