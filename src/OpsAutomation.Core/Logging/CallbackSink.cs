using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace OpsAutomation.Core.Logging;

/// <summary>Hands each formatted line to a callback: the cmdlet's verbose stream, or a text writer.</summary>
internal sealed class CallbackSink : ILogEventSink
{
    private readonly ITextFormatter _formatter;
    private readonly Action<string> _write;

    public CallbackSink(ITextFormatter formatter, Action<string> write)
    {
        _formatter = formatter;
        _write = write;
    }

    public void Emit(LogEvent logEvent)
    {
        using var text = new StringWriter();
        _formatter.Format(logEvent, text);
        _write(text.ToString().TrimEnd('\n'));
    }
}
