using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Tests.TestSupport;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

/// <summary>Random and adversarial CSV: records, located problems or a DataSourceException, never another exception or a hang.</summary>
public sealed class CsvFuzzTests
{
    private static readonly string[] Corpus =
    [
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "examples", "pipelines", "data", "orders.csv")),
        "name,note\r\n\"a,b\",\"x\r\ny\"\r\n\"say \"\"hi\"\"\",plain\r\n", "a;b\r1;2\r", "\uFEFFa,b\n1,\n,2\n\"\",\"\"\n",
    ];

    private static readonly string[] Tokens = ["\"", "\"\"", ",", ";", "\r\n", "\n", "\r", "\t", "a", "1", "\uFEFF", "\"x\"y", ",,,,,,", "é"];

    [Fact]
    public void Mutated_csv_reads_to_records_problems_or_a_DataSourceException() =>
        new Fuzz(Corpus, Tokens, [("\"", "\""), ("a,", "")]).Run(1500, input =>
            Fuzz.Allowing<DataSourceException>(() => ReadAllAsync(Csv(Encoding.UTF8.GetBytes(input))).GetAwaiter().GetResult()));
}
