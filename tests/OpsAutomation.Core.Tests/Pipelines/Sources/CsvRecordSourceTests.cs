using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Tests.TestSupport;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class CsvRecordSourceTests
{
    // RFC 4180 section 2, rules 1-7, each as the spec writes it.
    [Fact]
    public async Task Fields_in_quotes_may_hold_delimiters_line_breaks_and_doubled_quotes()
    {
        var csv = "name,note\r\n\"a,b\",\"x\r\ny\"\r\n\"say \"\"hi\"\"\",plain\r\n";
        var values = await ValuesAsync(Csv(csv));
        Assert.Equal(2, values.Count);
        Assert.Equal(["a,b", "x\r\ny"], values[0]);
        Assert.Equal(["say \"hi\"", "plain"], values[1]);
    }

    [Fact]
    public async Task A_record_with_embedded_line_breaks_is_located_on_the_line_it_starts_and_the_next_one_after_them()
    {
        var items = await ReadAllAsync(Csv("a,b\n1,\"two\nlines\"\n3,4\r\n\"x\r\n\r\ny\",5\n6,7\n"));
        Assert.Equal(["test.csv:2", "test.csv:4", "test.csv:5", "test.csv:8"], items.Select(i => i.Location));
        Assert.Equal([1L, 2, 3, 4], items.Select(i => i.Position));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    public async Task CRLF_LF_and_CR_all_end_a_line(string newline)
    {
        var items = await ReadAllAsync(Csv($"a,b{newline}1,2{newline}3,\"4{newline}5\"{newline}6,7{newline}"));
        Assert.Equal(["1", "2"], items[0].Record!.Values);
        Assert.Equal(["3", $"4{newline}5"], items[1].Record!.Values);
        Assert.Equal(["6", "7"], items[2].Record!.Values);
        Assert.Equal(["test.csv:2", "test.csv:3", "test.csv:5"], items.Select(i => i.Location));
    }

    [Theory]
    [InlineData("a,b\n1,2")]
    [InlineData("a,b\n1,2\n")]
    [InlineData("a,b\r\n1,2\r\n")]
    [InlineData("a,b\r\n1,2\r")]
    public async Task The_last_line_break_is_optional(string csv)
    {
        var values = await ValuesAsync(Csv(csv));
        Assert.Equal(["1", "2"], Assert.Single(values));
    }

    [Fact]
    public async Task A_quoted_last_field_without_a_final_line_break_ends_at_the_end_of_input()
    {
        var values = await ValuesAsync(Csv("a,b\n1,\"x\"\"\""));
        Assert.Equal(["1", "x\""], Assert.Single(values));
    }

    [Fact]
    public async Task A_UTF8_byte_order_mark_is_not_part_of_the_first_name()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("id,name\n1,x\n")).ToArray();
        var record = Assert.Single(await ReadAllAsync(Csv(bytes))).Record!;
        Assert.Equal(["id", "name"], record.Shape.Names);
        Assert.Equal("1", record["id"]);
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public async Task Any_ASCII_delimiter_separates_fields_and_is_text_inside_quotes(char delimiter)
    {
        var d = delimiter.ToString();
        var csv = $"a{d}b{d}c\n1{d}\"x{d}y\"{d}3\n";
        var values = await ValuesAsync(Csv(csv, new CsvSourceOptions { Delimiter = delimiter }));
        Assert.Equal(["1", $"x{d}y", "3"], Assert.Single(values));
    }

    [Fact]
    public async Task Another_quote_character_quotes_fields()
    {
        var values = await ValuesAsync(Csv("a,b\n'x,y','it''s'\n", new CsvSourceOptions { Quote = '\'' }));
        Assert.Equal(["x,y", "it's"], Assert.Single(values));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a,b")]
    [InlineData("a,b\r\n")]
    [InlineData("a,b\n\n\n")]
    public async Task A_file_with_no_data_rows_has_no_records(string csv)
    {
        Assert.Empty(await ReadAllAsync(Csv(csv)));
    }

    [Fact]
    public async Task Empty_unquoted_fields_are_null_and_empty_quoted_fields_are_empty_strings()
    {
        var values = await ValuesAsync(Csv("a,b,c\n,\"\",\n"));
        Assert.Equal([null, "", null], Assert.Single(values));
    }

    [Fact]
    public async Task Without_EmptyFieldAsNull_every_empty_field_is_an_empty_string()
    {
        var values = await ValuesAsync(Csv("a,b,c\n,\"\",\n", new CsvSourceOptions { EmptyFieldAsNull = false }));
        Assert.Equal(["", "", ""], Assert.Single(values));
    }

    [Fact]
    public async Task Whitespace_around_values_is_kept()
    {
        var values = await ValuesAsync(Csv("a,b\n  x , \" y \" \n"));
        // The second field is quoted after a space, so it is not a quoted field: RFC 4180 quotes start the field.
        Assert.Equal(["  x ", " \" y \" "], Assert.Single(values));
    }

    [Fact]
    public async Task Blank_lines_take_no_position_unless_kept()
    {
        var items = await ReadAllAsync(Csv("a\n1\n\n2\n"));
        Assert.Equal(["1", "2"], items.Select(i => (string?)i.Record!.Values[0]));
        Assert.Equal([1L, 2], items.Select(i => i.Position));

        var kept = await ReadAllAsync(Csv("a\n1\n\n2\n", new CsvSourceOptions { SkipBlankLines = false }));
        Assert.Equal(["1", null, "2"], kept.Select(i => (string?)i.Record!.Values[0]));
    }

    [Fact]
    public async Task Field_names_can_be_supplied_for_a_file_without_a_header()
    {
        var options = new CsvSourceOptions { HasHeader = false, FieldNames = ["x", "y"] };
        var items = await ReadAllAsync(Csv("1,2\n3,4\n", options));
        Assert.Equal(["1", "3"], items.Select(i => i.Record!["x"]));
        Assert.Equal(["test.csv:1", "test.csv:2"], items.Select(i => i.Location));
    }

    [Fact]
    public async Task Supplied_field_names_replace_the_header()
    {
        var record = Assert.Single(await ReadAllAsync(Csv("a,b\n1,2\n", new CsvSourceOptions { FieldNames = ["x", "y"] }))).Record!;
        Assert.Equal(["x", "y"], record.Shape.Names);
    }

    [Fact]
    public async Task A_ragged_row_is_a_problem_with_its_line_and_the_rows_after_it_are_read()
    {
        var items = await ReadAllAsync(Csv("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"));
        Assert.Equal([1L, 2, 3, 4], items.Select(i => i.Position));
        var short_ = items[1].Problem!;
        Assert.Equal("test.csv:3", short_.Location);
        Assert.Equal("2 fields where the header has 3.", short_.Reason);
        Assert.Equal("4,5", short_.RawText);
        Assert.Equal("4 fields where the header has 3.", items[2].Problem!.Reason);
        Assert.Equal(["10", "11", "12"], items[3].Record!.Values);
    }

    [Fact]
    public async Task Invalid_UTF8_is_a_problem_naming_line_and_byte_column_never_a_replacement_character()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\nok,fine\nbé,x").Concat(new byte[] { 0xFF, 0x41 }).Concat(Encoding.UTF8.GetBytes("\nlast,row\n")).ToArray();
        var items = await ReadAllAsync(Csv(bytes));
        Assert.Equal(3, items.Count);
        var problem = items[1].Problem!;
        Assert.Equal(2, problem.Position);
        // "bé,x" is 5 bytes (é is two), so the bad byte is byte 6 of line 3.
        Assert.Equal("test.csv:3:6", problem.Location);
        Assert.Contains("line 3, byte column 6", problem.Reason, StringComparison.Ordinal);
        Assert.Equal(["last", "row"], items[2].Record!.Values);
        Assert.DoesNotContain(items.Where(i => i.Record is not null).SelectMany(i => i.Record!.Values), v => ((string)v!).Contains('\uFFFD', StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_multibyte_character_at_the_end_of_a_field_is_invalid()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\nx,").Concat(new byte[] { 0xC3 }).Concat(Encoding.UTF8.GetBytes(",\n")).ToArray();
        var problem = Assert.Single(await ReadAllAsync(Csv(bytes, new CsvSourceOptions { FieldNames = ["a", "b", "c"] }))).Problem!;
        Assert.Equal("test.csv:2:3", problem.Location);
    }

    [Fact]
    public async Task A_latin1_file_is_transcoded()
    {
        var bytes = Encoding.Latin1.GetBytes("name,city\nJosé,Zürich\n");
        var values = await ValuesAsync(Csv(bytes, new CsvSourceOptions { Encoding = "latin1" }));
        Assert.Equal(["José", "Zürich"], Assert.Single(values));
    }

    [Fact]
    public async Task A_UTF16_file_with_a_byte_order_mark_is_transcoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("name,emoji\n\"a\nb\",😀\n")).ToArray();
        var items = await ReadAllAsync(Csv(bytes, new CsvSourceOptions { Encoding = "utf-16", BufferSize = 3 }));
        var record = Assert.Single(items).Record!;
        Assert.Equal(["name", "emoji"], record.Shape.Names);
        Assert.Equal(["a\nb", "😀"], record.Values);
    }

    [Fact]
    public async Task A_Windows_code_page_is_found_by_name()
    {
        var bytes = new byte[] { (byte)'a', (byte)'\n', 0x80, (byte)'\n' };
        var values = await ValuesAsync(Csv(bytes, new CsvSourceOptions { Encoding = "windows-1252" }));
        Assert.Equal("€", Assert.Single(values)[0]);
    }

    [Fact]
    public async Task A_byte_invalid_in_a_declared_encoding_is_a_problem_with_its_character_column()
    {
        var bytes = Encoding.ASCII.GetBytes("a,b\nxy,z").Concat(new byte[] { 0xC8 }).Concat(Encoding.ASCII.GetBytes("\n1,2\n")).ToArray();
        var items = await ReadAllAsync(Csv(bytes, new CsvSourceOptions { Encoding = "us-ascii" }));
        var problem = items[0].Problem!;
        Assert.Equal("test.csv:2:5", problem.Location);
        Assert.Contains("not valid us-ascii on line 2, column 5", problem.Reason, StringComparison.Ordinal);
        Assert.Equal(["1", "2"], items[1].Record!.Values);
    }

    [Fact]
    public async Task An_unknown_encoding_name_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Csv("a", new CsvSourceOptions { Encoding = "klingon-8" }));
        Assert.Contains("klingon-8", e.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_unterminated_quote_that_runs_to_the_end_is_fatal_and_names_where_it_opened()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(Csv("a,b\n1,2\n3,\"open\n4,5\n6,7\n")));
        Assert.Equal("test.csv:3:3", e.Location);
        Assert.StartsWith("test.csv:3:3: unterminated quoted field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_after_a_closing_quote_is_a_problem_and_reading_goes_on()
    {
        var items = await ReadAllAsync(Csv("a,b\n\"x\"y,2\n3,4\n"));
        Assert.Equal("test.csv:2:4", items[0].Problem!.Location);
        Assert.Equal(["3", "4"], items[1].Record!.Values);
    }

    [Fact]
    public async Task A_missing_file_is_fatal_and_names_the_path()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "absent.csv");
        await using var source = new CsvRecordSource(path);
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(source));
        Assert.StartsWith(path + ": cannot open the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_source_names_its_dataset_the_OpenLineage_way()
    {
        using var dir = new TempDirectory();
        var path = dir.File("orders.csv", "id\n1\n");
        await using var source = new CsvRecordSource(path);
        Assert.Equal("file", source.DatasetNamespace);
        Assert.Equal(Path.GetFullPath(path), source.DatasetName);
        Assert.Equal("file://" + Path.GetFullPath(path), source.Name);
        Assert.Equal(path + ":2", Assert.Single(await ReadAllAsync(source)).Location);
    }

    [Fact]
    public async Task Duplicate_header_names_are_fatal_and_named()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(Csv("id,x,id\n1,2,3\n")));
        Assert.Contains("'id'", e.Message, StringComparison.Ordinal);
        Assert.Equal("test.csv:1", e.Location);
    }

    [Fact]
    public async Task A_record_longer_than_the_limit_is_fatal()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() =>
            ReadAllAsync(Csv("a\n\"" + new string('x', 100) + "\n", new CsvSourceOptions { BufferSize = 8, MaxRecordBytes = 64 })));
        Assert.Contains("longer than 64 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delimiter_that_is_the_quote_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Csv("a", new CsvSourceOptions { Delimiter = '"' }));
    }

    public static TheoryData<string> Corpus() => new()
    {
        "a,b,c\r\n1,\"2\r\n2\",3\r\n\"\"\"\",,\"\"\r\n",
        "\uFEFFid;name\n1;\"x;\"\"y\"\"\"\n\n2;é😀\r3;\"\r\n\"\r",
        "a,b\n1,2\n3\n4,5,6\n\"x\"y,z\n7,8",
        "a,b\nok,fine\nb\u00e9,x\uFFFF\n\"multi\nline\",\"with \"\"quotes\"\"\"\nlast,",
        "h\n\"\"\n\n\"\"\"\"\n\r\n,\n",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Every_buffer_size_gives_the_same_items(string csv)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        if (csv.Contains('\uFFFF', StringComparison.Ordinal)) bytes = [.. bytes, 0xFE, (byte)'\n'];
        var expected = Render(await ReadAllAsync(Csv(bytes, new CsvSourceOptions { Delimiter = csv.Contains(';', StringComparison.Ordinal) ? ';' : ',' })));
        Assert.NotEqual("", expected);
        for (var size = 1; size <= 7; size++)
        {
            var options = new CsvSourceOptions { BufferSize = size, Delimiter = csv.Contains(';', StringComparison.Ordinal) ? ';' : ',' };
            Assert.Equal(expected, Render(await ReadAllAsync(Csv(bytes, options))));
        }
    }

    [Fact]
    public async Task Random_values_written_by_the_RFC_read_back_unchanged_at_any_buffer_size()
    {
        var random = new Random(4180);
        string[] alphabet = ["a", "b", " ", ",", "\"", "\r", "\n", "\r\n", "é", "😀", "x"];
        for (var round = 0; round < 40; round++)
        {
            var columns = random.Next(1, 5);
            var rows = Enumerable.Range(0, random.Next(1, 20)).Select(_ => Enumerable.Range(0, columns).Select(_ =>
                string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => alphabet[random.Next(alphabet.Length)]))).ToArray()).ToList();
            var newline = random.Next(3) switch { 0 => "\r\n", 1 => "\n", _ => "\r" };
            var text = new StringBuilder();
            foreach (var row in rows)
                text.Append(string.Join(",", row.Select(v => "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""))).Append(newline);
            var options = new CsvSourceOptions { HasHeader = false, FieldNames = Enumerable.Range(1, columns).Select(i => $"c{i}").ToArray(), BufferSize = random.Next(1, 64) };
            var values = await ValuesAsync(Csv(text.ToString(), options));
            Assert.Equal(rows.Count, values.Count);
            for (var i = 0; i < rows.Count; i++)
                Assert.Equal(rows[i], values[i]);
        }
    }

    [Fact]
    public async Task Skipping_gives_the_same_items_from_the_next_position_on()
    {
        var csv = "a,b\n1,2\n3\n\"x\ny\",4\n5,6\n7,8\n";
        var all = await ReadAllAsync(Csv(csv));
        Assert.Equal([1L, 2, 3, 4, 5], all.Select(i => i.Position));
        for (var skip = 0; skip <= all.Count + 1; skip++)
            Assert.Equal(Render(all.Skip(skip)), Render(await ReadAllAsync(Csv(csv, new CsvSourceOptions { BufferSize = 3 }), skip)));
    }

    [Fact]
    public async Task A_source_reads_the_same_items_every_time()
    {
        await using var source = Csv("a,b\n1,2\n3\n");
        Assert.Equal(Render(await ReadAllAsync(source)), Render(await ReadAllAsync(source)));
    }
}
