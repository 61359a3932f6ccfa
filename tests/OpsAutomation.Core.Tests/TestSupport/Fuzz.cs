using System.Text;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>
/// Mutation fuzzing with fixed seeds. Input i of a run is made by <c>new Random(Seed + i)</c> alone,
/// so a failure names the index and seed that make it again (<see cref="Input"/>). An input is a
/// corpus entry mutated one to four times (spans deleted, duplicated, moved, truncated, spliced
/// with another entry; tokens of the language and odd characters inserted), and every 25th is a
/// corpus entry nested hundreds to 10,000 levels deep (the parsers' own tests go to 100,000). A
/// run is bounded in count, and in time as a guard against a hang: it runs on a thread of its
/// own, with a thread's default stack, as the module's cmdlets run on a worker.
/// </summary>
internal sealed class Fuzz(IReadOnlyList<string> corpus, IReadOnlyList<string> tokens, IReadOnlyList<(string Open, string Close)> nesting)
{
    public const int Seed = 20261207;

    /// <summary>Far more than any run needs: reaching it means an input hangs the parser.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static readonly string[] OddCharacters = ["\0", "\n", "\r", "\r\n", "\t", " ", "\"", "'", "`", "\\", "#", "{", "}", "[", "]", "(", ")", ",", "=", ":",
        "\uFEFF", "\u00E9", "\u2028", "\uD800", "\uDFFF", "\U0001F600", "\u0085", "-", "+", ".", "e", "0", "9", "\x7F"];

    private static readonly int[] Depths = [200, 257, 300, 1_000, 10_000];

    public string Input(int index)
    {
        var random = new Random(Seed + index);
        var text = corpus[random.Next(corpus.Count)];
        if (index % 25 == 24 && nesting.Count > 0)
        {
            var (open, close) = nesting[random.Next(nesting.Count)];
            var depth = Depths[random.Next(Depths.Length)];
            return string.Concat(Enumerable.Repeat(open, depth)) + text + string.Concat(Enumerable.Repeat(close, depth));
        }
        var mutations = random.Next(1, 5);
        for (var m = 0; m < mutations; m++) text = Mutate(random, text);
        return text;
    }

    private string Mutate(Random random, string text)
    {
        var at = random.Next(text.Length + 1);
        var length = random.Next(Math.Min(16, text.Length - at) + 1);
        switch (random.Next(7))
        {
            case 0: return text.Remove(at, length);
            case 1: return text.Insert(at, text.Substring(at, length));
            case 2: return text.Insert(at, tokens[random.Next(tokens.Count)]);
            case 3: return text.Insert(at, OddCharacters[random.Next(OddCharacters.Length)]);
            case 4: return text[..at];
            case 5:
                var other = corpus[random.Next(corpus.Count)];
                var from = random.Next(other.Length + 1);
                return text[..at] + other[from..];
            default:
                var piece = text.Substring(at, length);
                var rest = text.Remove(at, length);
                return rest.Insert(random.Next(rest.Length + 1), piece);
        }
    }

    /// <summary>Runs <paramref name="property"/> on inputs 0 to count-1; any exception it lets out fails the run, naming the input.</summary>
    public void Run(int count, Action<string> property)
    {
        var index = -1;
        string? input = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    Volatile.Write(ref index, i);
                    input = Input(i);
                    property(input);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        { IsBackground = true, Name = "fuzz" };
        thread.Start();
        if (!thread.Join(HangGuard))
            Assert.Fail($"input {Volatile.Read(ref index)} (seed {Seed} + {Volatile.Read(ref index)}) did not finish within {HangGuard.TotalSeconds} s: {Show(input)}");
        if (failure is not null)
            Assert.Fail($"input {index} (seed {Seed} + {index}) threw {failure.GetType().FullName}: {failure.Message}\ninput: {Show(input)}\n{failure.StackTrace}");
    }

    /// <summary>Runs <paramref name="parse"/>, letting only <typeparamref name="TError"/> (the parser's own typed error) end it.</summary>
    public static void Allowing<TError>(Action parse) where TError : Exception
    {
        try
        {
            parse();
        }
        catch (TError)
        {
            // The typed, located error is one of the two outcomes the property allows.
        }
    }

    public static string Show(string? input)
    {
        if (input is null) return "<none>";
        var shown = input.Length <= 400 ? input : input[..400] + $"... ({input.Length} characters)";
        var text = new StringBuilder();
        foreach (var c in shown) text.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return text.ToString();
    }
}
