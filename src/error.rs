//! The one error type of luau-ffi and its message catalogue, worded as LuaJIT 2.1 words it.
//!
//! Parser errors are composed as LuaJIT composes them: the message, then
//! ` near '<token>'` when a token is to blame, then ` at line N` when N > 1
//! (`';' expected near 'y' at line 3`).

use std::fmt;

/// What went wrong while parsing or registering C declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseMessage {
    /// `'<what>' expected` — `what` is a token spelling or `<identifier>`, `<eof>`.
    Expected(String),
    /// `unexpected symbol`
    UnexpectedSymbol,
    /// `malformed number`
    MalformedNumber,
    /// `unfinished string`
    UnfinishedString,
    /// `invalid escape sequence`
    InvalidEscape,
    /// `declaration specifier expected`
    DeclarationSpecifierExpected,
    /// `invalid value` (division by zero, bad bitfield width, bad alignment …)
    InvalidValue,
    /// `invalid C type`
    InvalidCType,
    /// `size of C type is unknown or too large`
    SizeUnknownOrTooLarge,
    /// `bad storage class`
    BadStorageClass,
    /// `undeclared or implicit tag '<name>'`
    UndeclaredTag(String),
    /// `attempt to redefine '<name>'`
    Redefine(String),
    /// `chunk has too many syntax levels` (nesting deeper than the parser's limits)
    TooManySyntaxLevels,
    /// `table overflow` (too many types)
    TableOverflow,
    /// `static assertion failed: <msg>` (gcc's wording; LuaJIT has no `_Static_assert`)
    StaticAssertFailed(String),
    /// `embedded NUL in C declaration` (LuaJIT silently drops the rest)
    EmbeddedNul,
    /// `unterminated comment` (gcc's wording; LuaJIT reads to the end)
    UnterminatedComment,
    /// `unsupported preprocessor directive '#<name>' (run the header through 'cc -E -P')`
    Directive(String),
    /// `conflicting types for '<name>'` (gcc's wording; LuaJIT keeps the first)
    ConflictingTypes(String),
    /// `'<name>' redeclared as different kind of symbol` (gcc's wording)
    RedeclaredKind(String),
    /// `duplicate member '<name>'` (gcc's wording; LuaJIT accepts it)
    DuplicateMember(String),
    /// `'<name>' is not a constant member of '<ty>'` (`((struct s *)0)->x` in a constant
    /// expression names a field, not a struct-scoped constant)
    NotConstantMember { name: String, ty: String },
}

/// [`Error::CallbackOutsideCall`]'s text, written to stderr as it is (no allocation)
/// when the state is gone.
pub const CALLBACK_OUTSIDE_CALL: &str = "callback called outside an FFI call: from a signal \
     handler, the collector or after the state closed";

/// Every user-facing error of the FFI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The system refused the memory for a new cdata (Luau's own wording).
    NotEnoughMemory,
    /// `luaopen_ffi` in a host whose Luau differs from the one the module was built for.
    IncompatibleLuau { found: String, expected: String },
    /// A cdata over Luau's largest userdata (Luau's own wording).
    BlockTooBig,
    /// A C declaration could not be parsed or registered.
    Parse {
        message: ParseMessage,
        /// The token the error is blamed on, if any.
        near: Option<String>,
        /// 1-based source line (in `file`, when a `# N "file"` line marker gave one).
        line: u32,
        /// The file named by the last `# N "file"` line marker before the error.
        file: Option<String>,
    },
    /// `wrong number of type parameters` (`$` count differs from the arguments).
    WrongParameterCount,
    /// `cannot convert '<from>' to '<to>'`
    CannotConvert { from: String, to: String },
    /// `'<ty>' has no member named '<name>'`
    NoMember { ty: String, name: String },
    /// `missing declaration for symbol '<name>'`
    MissingDeclaration { name: String },
    /// `cannot resolve symbol '<name>': <reason>`
    CannotResolveSymbol { name: String, reason: String },
    /// `'<ty>' cannot be indexed`
    CannotIndex { ty: String },
    /// `'<ty>' cannot be indexed with '<key>'`
    CannotIndexWith { ty: String, key: String },
    /// `'<ty>' is not callable`
    NotCallable { ty: String },
    /// `wrong number of arguments for function call`
    WrongArgumentCount,
    /// `attempt to perform arithmetic on '<a>' and '<b>'`
    BadArithmetic { left: String, right: String },
    /// `attempt to compare '<a>' with '<b>'`
    BadComparison { left: String, right: String },
    /// `attempt to concatenate '<a>' and '<b>'`
    BadConcat { left: String, right: String },
    /// `attempt to get length of '<ty>'`
    BadLength { ty: String },
    /// `attempt to write to constant location`
    WriteToConstant,
    /// `too many initializers for '<ty>'`
    TooManyInitializers { ty: String },
    /// `'<ty>' has no '<mm>' metamethod`
    NoMetamethod { ty: String, metamethod: String },
    /// `size of C type is unknown or too large` outside the parser (`ffi.new`, `ffi.sizeof`)
    SizeUnknown,
    /// `invalid C type` outside the parser
    InvalidType,
    /// `bad callback`
    BadCallback,
    /// `too many callbacks`
    TooManyCallbacks,
    /// `bad argument #<n> to '<func>' (<inner>)`
    BadArgument {
        index: u32,
        function: String,
        inner: Box<Error>,
    },
    /// `NYI: <what>` (LuaJIT's wording for a known unimplemented case)
    NotYetImplemented(String),
    /// `attempt to dereference a NULL pointer of type '<ty>'` (LuaJIT crashes instead)
    NullDereference { ty: String },
    /// `'<ty>' cannot be iterated` (`for ... in cdata` on a type without a length)
    CannotIterate { ty: String },
    /// `index <i> is out of bounds for '<ty>'` (an array cdata indexed outside its own
    /// memory; LuaJIT does not check)
    IndexOutOfBounds { index: i64, ty: String },
    /// `cannot change a protected metatable` (a second `ffi.metatype` of one type)
    ProtectedMetatable,
    /// `string length overflow` (`ffi.string` with a negative length, or one past the
    /// longest Luau string)
    StringLengthOverflow,
    /// `table initializer nested too deeply` (tables inside tables past the bound that
    /// keeps the C stack safe; LuaJIT recurses until it crashes)
    InitializerTooDeep,
    /// `<len> bytes out of bounds of a <size>-byte <what>` (buffers, strings)
    OutOfBounds { len: u64, size: u64, what: String },
    /// `number expected, got <type>` (an argument of `ffi.bit`'s functions)
    NumberExpected { got: String },
    /// `luau-ffi: error in finalizer: <error>` (stderr: finalizer errors never propagate)
    InFinalizer(String),
    /// A callback entered where Luau must not run (a signal handler, the collector, after
    /// its state closed): it returned zero.
    CallbackOutsideCall,
    /// `ffi.gc(cd, cb)` with a callback made from a Luau function.
    LuauCallbackFinalizer,
}

impl Error {
    /// A parser error blamed on a token.
    pub fn parse_near(message: ParseMessage, near: impl Into<String>, line: u32) -> Error {
        Error::Parse {
            message,
            near: Some(near.into()),
            line,
            file: None,
        }
    }

    /// A parser error without a token to blame.
    pub fn parse(message: ParseMessage, line: u32) -> Error {
        Error::Parse {
            message,
            near: None,
            line,
            file: None,
        }
    }
}

impl fmt::Display for ParseMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseMessage::Expected(what) => write!(f, "'{what}' expected"),
            ParseMessage::UnexpectedSymbol => f.write_str("unexpected symbol"),
            ParseMessage::MalformedNumber => f.write_str("malformed number"),
            ParseMessage::UnfinishedString => f.write_str("unfinished string"),
            ParseMessage::InvalidEscape => f.write_str("invalid escape sequence"),
            ParseMessage::DeclarationSpecifierExpected => {
                f.write_str("declaration specifier expected")
            }
            ParseMessage::InvalidValue => f.write_str("invalid value"),
            ParseMessage::InvalidCType => f.write_str("invalid C type"),
            ParseMessage::SizeUnknownOrTooLarge => {
                f.write_str("size of C type is unknown or too large")
            }
            ParseMessage::BadStorageClass => f.write_str("bad storage class"),
            ParseMessage::UndeclaredTag(name) => write!(f, "undeclared or implicit tag '{name}'"),
            ParseMessage::Redefine(name) => write!(f, "attempt to redefine '{name}'"),
            ParseMessage::TooManySyntaxLevels => f.write_str("chunk has too many syntax levels"),
            ParseMessage::TableOverflow => f.write_str("table overflow"),
            ParseMessage::StaticAssertFailed(msg) => write!(f, "static assertion failed: {msg}"),
            ParseMessage::EmbeddedNul => f.write_str("embedded NUL in C declaration"),
            ParseMessage::UnterminatedComment => f.write_str("unterminated comment"),
            ParseMessage::Directive(name) => write!(
                f,
                "unsupported preprocessor directive '#{name}' (run the header through 'cc -E -P')"
            ),
            ParseMessage::ConflictingTypes(name) => write!(f, "conflicting types for '{name}'"),
            ParseMessage::RedeclaredKind(name) => {
                write!(f, "'{name}' redeclared as different kind of symbol")
            }
            ParseMessage::DuplicateMember(name) => write!(f, "duplicate member '{name}'"),
            ParseMessage::NotConstantMember { name, ty } => {
                write!(f, "'{name}' is not a constant member of '{ty}'")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotEnoughMemory => write!(f, "not enough memory"),
            Error::IncompatibleLuau { found, expected } => write!(
                f,
                "ffi: this host's Luau is {found}, but the module was built for {expected}; \
                 rebuild the module against the host's Luau (see include/luau_ffi.h)"
            ),
            Error::BlockTooBig => write!(f, "memory allocation error: block too big"),
            Error::Parse {
                message,
                near,
                line,
                file,
            } => {
                write!(f, "{message}")?;
                if let Some(near) = near {
                    write!(f, " near '{near}'")?;
                }
                if let Some(file) = file {
                    write!(f, " at {file}:{line}")?;
                } else if *line > 1 {
                    write!(f, " at line {line}")?;
                }
                Ok(())
            }
            Error::WrongParameterCount => f.write_str("wrong number of type parameters"),
            Error::CannotConvert { from, to } => write!(f, "cannot convert '{from}' to '{to}'"),
            Error::NoMember { ty, name } => write!(f, "'{ty}' has no member named '{name}'"),
            Error::MissingDeclaration { name } => {
                write!(f, "missing declaration for symbol '{name}'")
            }
            Error::CannotResolveSymbol { name, reason } => {
                write!(f, "cannot resolve symbol '{name}': {reason}")
            }
            Error::CannotIndex { ty } => write!(f, "'{ty}' cannot be indexed"),
            Error::CannotIndexWith { ty, key } => {
                write!(f, "'{ty}' cannot be indexed with '{key}'")
            }
            Error::NotCallable { ty } => write!(f, "'{ty}' is not callable"),
            Error::WrongArgumentCount => f.write_str("wrong number of arguments for function call"),
            Error::BadArithmetic { left, right } => {
                write!(f, "attempt to perform arithmetic on '{left}' and '{right}'")
            }
            Error::BadComparison { left, right } => {
                write!(f, "attempt to compare '{left}' with '{right}'")
            }
            Error::BadConcat { left, right } => {
                write!(f, "attempt to concatenate '{left}' and '{right}'")
            }
            Error::BadLength { ty } => write!(f, "attempt to get length of '{ty}'"),
            Error::WriteToConstant => f.write_str("attempt to write to constant location"),
            Error::TooManyInitializers { ty } => write!(f, "too many initializers for '{ty}'"),
            Error::NoMetamethod { ty, metamethod } => {
                write!(f, "'{ty}' has no '{metamethod}' metamethod")
            }
            Error::SizeUnknown => f.write_str("size of C type is unknown or too large"),
            Error::InvalidType => f.write_str("invalid C type"),
            Error::BadCallback => f.write_str("bad callback"),
            Error::TooManyCallbacks => f.write_str("too many callbacks"),
            Error::BadArgument {
                index,
                function,
                inner,
            } => write!(f, "bad argument #{index} to '{function}' ({inner})"),
            Error::NotYetImplemented(what) => write!(f, "NYI: {what}"),
            Error::NullDereference { ty } => {
                write!(f, "attempt to dereference a NULL pointer of type '{ty}'")
            }
            Error::CannotIterate { ty } => write!(f, "'{ty}' cannot be iterated"),
            Error::IndexOutOfBounds { index, ty } => {
                write!(f, "index {index} is out of bounds for '{ty}'")
            }
            Error::ProtectedMetatable => f.write_str("cannot change a protected metatable"),
            Error::StringLengthOverflow => f.write_str("string length overflow"),
            Error::InitializerTooDeep => f.write_str("table initializer nested too deeply"),
            Error::OutOfBounds { len, size, what } => {
                write!(f, "{len} bytes out of bounds of a {size}-byte {what}")
            }
            Error::NumberExpected { got } => write!(f, "number expected, got {got}"),
            Error::InFinalizer(e) => write!(f, "luau-ffi: error in finalizer: {e}"),
            Error::CallbackOutsideCall => f.write_str(CALLBACK_OUTSIDE_CALL),
            Error::LuauCallbackFinalizer => f.write_str(
                "bad argument #2 to 'gc' (a callback made from a Luau function cannot be a \
                 finalizer: it would run inside the collector; pass the Luau function itself)",
            ),
        }
    }
}

impl std::error::Error for Error {}
