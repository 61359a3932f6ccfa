using System.Buffers;
using System.Collections.ObjectModel;
using System.Text.Json;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Turns one JSON object into a record's shape and values: integers as long when they fit, else
/// decimal, else double; numbers with a fraction or exponent as double (as PowerShell's
/// ConvertFrom-Json does); nested objects and arrays as read-only dictionaries and lists.
/// Records with different keys get different shapes (see <see cref="RecordShapeCache"/>): a union
/// of all keys cannot be known before the whole stream is read.
/// </summary>
internal sealed class JsonRecordReader
{
    private static readonly SearchValues<byte> NotInteger = SearchValues.Create(".eE"u8);

    private readonly RecordShapeCache _shapes = new();
    private readonly List<string> _names = [];
    private readonly List<object?> _values = [];
    private readonly JsonReaderOptions _readerOptions;

    public JsonRecordReader(int maxDepth) => _readerOptions = new JsonReaderOptions { MaxDepth = maxDepth };

    /// <summary>
    /// Reads the object that is all of <paramref name="json"/>. A problem is returned as
    /// <paramref name="problem"/> with the 0-based byte offset it was found at, or -1.
    /// </summary>
    public (RecordShape Shape, object?[] Values)? Read(ReadOnlySpan<byte> json, out string? problem, out long problemOffset)
    {
        problem = null;
        problemOffset = -1;
        var reader = new Utf8JsonReader(json, _readerOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem = $"a JSON {Describe(reader.TokenType)}, not an object";
                problemOffset = reader.TokenStartIndex;
                return null;
            }
            var record = ReadTopObject(ref reader, out problem);
            // The reader itself rejects any text after the object.
            reader.Read();
            return record;
        }
        catch (JsonException e)
        {
            problem = "invalid JSON: " + TrimPosition(e.Message);
            problemOffset = e.BytePositionInLine ?? -1;
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A string that is not UTF-8 or a number beyond double: the reader has consumed up to it.
            problem = "invalid JSON value: " + e.Message;
            problemOffset = reader.TokenStartIndex;
            return null;
        }
    }

    /// <summary>A JsonException message without its own 0-based position, which the caller reports 1-based.</summary>
    public static string TrimPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at < 0) at = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (at < 0 ? message : message[..at]).TrimEnd(' ', '|');
    }

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private (RecordShape, object?[])? ReadTopObject(ref Utf8JsonReader reader, out string? problem)
    {
        problem = null;
        _names.Clear();
        _values.Clear();
        var last = _shapes.Last;
        var same = last is not null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var i = _names.Count;
            // Like records repeat the last shape's keys: compare in place rather than allocate names.
            if (same && i < last!.Count && reader.ValueTextEquals(last.Names[i]))
            {
                _names.Add(last.Names[i]);
            }
            else
            {
                same = false;
                _names.Add(reader.GetString()!);
            }
            reader.Read();
            _values.Add(ReadValue(ref reader));
        }
        RecordShape shape;
        if (same && _names.Count == last!.Count)
        {
            shape = _shapes.Reuse(last);
        }
        else
        {
            try
            {
                shape = _shapes.Get(_names);
            }
            catch (ArgumentException e)
            {
                problem = e.Message.Split(" (Parameter")[0].Replace("field names", "keys", StringComparison.Ordinal);
                return null;
            }
        }
        return (shape, _values.ToArray());
    }

    private static object? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.ValueSpan.IndexOfAny(NotInteger) < 0)
                {
                    if (reader.TryGetInt64(out var whole)) return whole;
                    if (reader.TryGetDecimal(out var large)) return large;
                }
                return reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    map[name] = ReadValue(ref reader);
                }
                return new ReadOnlyDictionary<string, object?>(map);
            case JsonTokenType.StartArray:
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    list.Add(ReadValue(ref reader));
                return (IReadOnlyList<object?>)list.AsReadOnly();
            default:
                throw new JsonException($"Unexpected {reader.TokenType}.");
        }
    }
}
