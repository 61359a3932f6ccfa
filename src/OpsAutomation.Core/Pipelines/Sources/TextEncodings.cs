using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>Encodings by name, strict: invalid input reaches the decoder's fallback, never a silent replacement.</summary>
internal static class TextEncodings
{
    /// <summary>The encoding called <paramref name="name"/>, including the Windows code pages .NET does not register by default.</summary>
    public static Encoding Resolve(string name)
    {
        try
        {
            return System.Text.Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            // Asking the provider directly leaves the process-wide registry alone.
            return CodePagesEncodingProvider.Instance.GetEncoding(name)
                ?? throw new ArgumentException($"Unknown encoding '{name}'. Use a name such as utf-8, latin1, utf-16 or windows-1252.", nameof(name));
        }
    }

    public static bool IsUtf8(Encoding encoding) => encoding.CodePage == 65001;

    /// <summary>The offset of the first byte of <paramref name="bytes"/> that is not UTF-8, or -1 when all are.</summary>
    public static int InvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes)) return -1;
        var offset = 0;
        while (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) == OperationStatus.Done)
            offset += consumed;
        return offset;
    }
}
