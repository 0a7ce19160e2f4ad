//! The one error type of luau-ffi and its message catalogue, worded as LuaJIT 2.1 words it.
//!
//! Parser errors are composed as LuaJIT composes them: the message, then
//! ` near '<token>'` when a token is to blame, then ` at line N` when N > 1
//! (`';' expected near 'y' at line 3`).

use std::borrow::Cow;
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

/// The argument count a C function takes, in [`Error::WrongArgumentCount`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// `expected <n>`
    Exactly(usize),
    /// `expected at least <n>` (a variadic function)
    AtLeast(usize),
    /// `expected at most <n>` (a variadic call past the extra arguments the FFI passes)
    AtMost(usize),
}

impl fmt::Display for Arity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arity::Exactly(n) => write!(f, "{n}"),
            Arity::AtLeast(n) => write!(f, "at least {n}"),
            Arity::AtMost(n) => write!(f, "at most {n}"),
        }
    }
}

/// A Luau build as [`Error::IncompatibleLuau`] names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LuauBuild {
    /// `Luau 0.<release> with LUAI_MAXCSTACK=<n>, LUA_VECTOR_SIZE=<n>`
    Stamp {
        release: u32,
        maxcstack: i32,
        vector_size: i32,
    },
    /// A host without a stamp whose `LUA_REGISTRYINDEX` differs from the module's.
    OtherRegistryIndex,
}

impl fmt::Display for LuauBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LuauBuild::Stamp {
                release,
                maxcstack,
                vector_size,
            } => write!(
                f,
                "Luau 0.{release} with LUAI_MAXCSTACK={maxcstack}, LUA_VECTOR_SIZE={vector_size}"
            ),
            LuauBuild::OtherRegistryIndex => f.write_str("a Luau whose LUA_REGISTRYINDEX differs"),
        }
    }
}

/// The message kept when a callback is entered from another OS thread.
pub const FOREIGN_THREAD_MESSAGE: &str =
    "callback called from another OS thread; it returned zero without running";

/// Every user-facing error of the FFI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The system refused the memory for a new cdata (Luau's own wording).
    NotEnoughMemory,
    /// `luaopen_ffi` in a host whose Luau differs from the one the module was built for.
    IncompatibleLuau {
        found: LuauBuild,
        expected: LuauBuild,
    },
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
    /// `wrong number of arguments for '<function>' (expected <n>, got <m>)` (LuaJIT says
    /// `wrong number of arguments for function call`)
    WrongArgumentCount {
        function: String,
        expected: Arity,
        got: usize,
    },
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
    /// `bad argument #<n> to '<func>' (<inner>)`, or `bad argument #<n> (<inner>)` before
    /// the function is known (a conversion of a C call's argument)
    BadArgument {
        index: u32,
        function: Option<String>,
        inner: Box<Error>,
    },
    /// `<what> expected, got <got>` (an argument of the wrong Luau type)
    Expected {
        what: &'static str,
        got: Cow<'static, str>,
    },
    /// `NYI: C finalizer of type '<ty>': one pointer or integer parameter expected`
    CFinalizerType { ty: String },
    /// `integer expected, got <n>` (a `$` parameter that is not an integer)
    IntegerExpected { got: String },
    /// `value expected` (a missing argument)
    ValueExpected,
    /// `negative length` (`ffi.copy`, `ffi.fill`)
    NegativeLength,
    /// `NULL function` (`ffi.gc` with a NULL function pointer)
    NullFunction,
    /// `NULL pointer where '<ty>' is required`
    NullPointerFor { ty: String },
    /// `attempt to call a NULL function pointer of type '<ty>'` (LuaJIT crashes instead)
    NullCall { ty: String },
    /// `stack overflow in table initializer`
    InitializerStackOverflow,
    /// `callback: Luau stack overflow`
    CallbackStackOverflow,
    /// `ffi: no free userdata tag in this Luau state`
    NoFreeUserdataTag,
    /// `invalid UTF-8 in C declarations` (`ffi.cdef`)
    InvalidUtf8Declarations,
    /// `bad self` (a method call on a value that is not a cdata)
    BadSelf,
    /// `ffi: type registry busy` (a re-entrant use of the registry: a bug, not a misuse)
    RegistryBusy,
    /// `ffi: cif cache busy` (as `RegistryBusy`, for the call-interface cache)
    CifCacheBusy,
    /// `invalid UTF-8 in C type`
    InvalidUtf8Type,
    /// `internal error in luau-ffi: <what>` (a panic caught before it reached C)
    Internal(String),
    /// `internal error in luau-ffi: callback handler panicked: <what>`
    HandlerPanicked(String),
    /// A message already made, passed on as it is: an error a callback's Luau code raised,
    /// or one the callback table kept as text.
    Luau(String),
    /// `bad callback: <inner>` (the callback's signature cannot be prepared)
    BadCallbackBecause(Box<Error>),
    /// A function type that cannot be called.
    Call(CallError),
    /// A callback operation that failed.
    Callback(CallbackError),
    /// A library that cannot be loaded, or a symbol not in it.
    Library(LibraryError),
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
    /// `ffi.include` of a name that would end the `#include` line or its name.
    BadHeaderName { header: String },
    /// `ffi.include`: the compiler (or pkg-config) could not run or failed; `message`
    /// is why, or what it printed on standard error.
    IncludeFailed {
        header: String,
        program: String,
        message: String,
    },
    /// `ffi.include`: an option of the wrong type.
    IncludeBadOption { name: String, expected: String },
    /// The preprocessor's output is not UTF-8.
    IncludeNotUtf8,
    /// `ffi.include`: the preprocessed header does not cdef; `text` is the line of the
    /// preprocessed output the parser stopped at.
    IncludeDeclarations {
        header: String,
        inner: String,
        text: Option<String>,
    },
}

/// Why `ffi.include` made no constant of a `#define` (listed with `verbose = true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroSkip {
    FunctionLike,
    Empty,
    Declared,
    Recursive,
    TooDeep,
    /// The replacement names a macro that is no integer constant.
    NotConstantName(String),
    /// Not a constant expression: the parser's message.
    NotConstant(String),
}

impl fmt::Display for MacroSkip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacroSkip::FunctionLike => f.write_str("function-like macro"),
            MacroSkip::Empty => f.write_str("empty"),
            MacroSkip::Declared => f.write_str("also declared as a C symbol"),
            MacroSkip::Recursive => f.write_str("refers to itself"),
            MacroSkip::TooDeep => f.write_str("refers to macros too deeply"),
            MacroSkip::NotConstantName(name) => {
                write!(f, "refers to '{name}', which is not an integer constant")
            }
            MacroSkip::NotConstant(why) => write!(f, "not a constant expression: {why}"),
        }
    }
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
            Error::WrongArgumentCount {
                function,
                expected,
                got,
            } => write!(
                f,
                "wrong number of arguments for '{function}' (expected {expected}, got {got})"
            ),
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
                function: Some(function),
                inner,
            } => write!(f, "bad argument #{index} to '{function}' ({inner})"),
            Error::BadArgument {
                index,
                function: None,
                inner,
            } => write!(f, "bad argument #{index} ({inner})"),
            Error::Expected { what, got } => write!(f, "{what} expected, got {got}"),
            Error::IntegerExpected { got } => write!(f, "integer expected, got {got}"),
            Error::CFinalizerType { ty } => write!(
                f,
                "NYI: C finalizer of type '{ty}': one pointer or integer parameter expected"
            ),
            Error::ValueExpected => f.write_str("value expected"),
            Error::NegativeLength => f.write_str("negative length"),
            Error::NullFunction => f.write_str("NULL function"),
            Error::NullPointerFor { ty } => write!(f, "NULL pointer where '{ty}' is required"),
            Error::NullCall { ty } => {
                write!(f, "attempt to call a NULL function pointer of type '{ty}'")
            }
            Error::InitializerStackOverflow => f.write_str("stack overflow in table initializer"),
            Error::CallbackStackOverflow => f.write_str("callback: Luau stack overflow"),
            Error::RegistryBusy => f.write_str("ffi: type registry busy"),
            Error::CifCacheBusy => f.write_str("ffi: cif cache busy"),
            Error::InvalidUtf8Type => f.write_str("invalid UTF-8 in C type"),
            Error::NoFreeUserdataTag => f.write_str("ffi: no free userdata tag in this Luau state"),
            Error::InvalidUtf8Declarations => f.write_str("invalid UTF-8 in C declarations"),
            Error::BadSelf => f.write_str("bad self"),
            Error::Internal(what) => write!(f, "internal error in luau-ffi: {what}"),
            Error::HandlerPanicked(what) => write!(
                f,
                "internal error in luau-ffi: callback handler panicked: {what}"
            ),
            Error::Luau(text) => f.write_str(text),
            Error::BadCallbackBecause(inner) => write!(f, "bad callback: {inner}"),
            Error::Call(e) => e.fmt(f),
            Error::Callback(e) => e.fmt(f),
            Error::Library(e) => e.fmt(f),
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
            Error::BadHeaderName { header } => {
                write!(f, "ffi.include: bad header name '{header}'")
            }
            Error::IncludeFailed {
                header,
                program,
                message,
            } => write!(f, "ffi.include '{header}': {program}: {message}"),
            Error::IncludeBadOption { name, expected } => {
                write!(
                    f,
                    "bad argument #2 to 'include' (opts.{name}: {expected} expected)"
                )
            }
            Error::IncludeNotUtf8 => f.write_str("output is not UTF-8"),
            Error::IncludeDeclarations {
                header,
                inner,
                text,
            } => {
                write!(f, "ffi.include '{header}': {inner}")?;
                match text {
                    Some(text) => write!(f, " (in `{}`)", text.trim()),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The message, as raised in Luau: an error from Luau code is passed on as it was.
    pub fn into_message(self) -> String {
        match self {
            Error::Luau(text) => text,
            other => other.to_string(),
        }
    }

    /// `bad argument #<index> to '<function>' (<inner>)`.
    pub fn bad_argument(index: i32, function: &str, inner: Error) -> Error {
        Error::BadArgument {
            index: index as u32,
            function: Some(function.to_string()),
            inner: Box::new(inner),
        }
    }

    /// This error with the function named, when it is a [`Error::BadArgument`] made
    /// before the function was known; any other error as it is.
    pub fn in_function(self, name: impl FnOnce() -> String) -> Error {
        match self {
            Error::BadArgument {
                index,
                function: None,
                inner,
            } => Error::BadArgument {
                index,
                function: Some(name()),
                inner,
            },
            other => other,
        }
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Error {
        Error::Call(e)
    }
}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Error {
        Error::Callback(e)
    }
}

impl From<LibraryError> for Error {
    fn from(e: LibraryError) -> Error {
        Error::Library(e)
    }
}

/// Why a function type cannot be prepared for calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The type is not a function type.
    NotAFunction { ty: String },
    /// A parameter or result type has no size (`struct s` only declared, `void` param).
    IncompleteType { ty: String },
    /// A type libffi (or this module) cannot pass by value on this target.
    NotSupported { ty: String, reason: &'static str },
    /// `ffi_prep_cif` refused the signature.
    PrepareFailed { ty: String, status: u32 },
    /// Callbacks cannot be variadic (as LuaJIT).
    VariadicCallback { ty: String },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NotAFunction { ty } => write!(f, "'{ty}' is not callable"),
            CallError::IncompleteType { ty } => {
                write!(f, "size of C type is unknown or too large ('{ty}')")
            }
            CallError::NotSupported { ty, reason } => {
                write!(f, "NYI: cannot pass '{ty}' by value: {reason}")
            }
            CallError::PrepareFailed { ty, status } => {
                write!(
                    f,
                    "cannot prepare a call of '{ty}' (libffi status {status})"
                )
            }
            CallError::VariadicCallback { ty } => {
                write!(f, "bad callback: '{ty}' is variadic")
            }
        }
    }
}

impl std::error::Error for CallError {}

/// Why a callback operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackError {
    /// The callback was freed (or never existed in this table).
    Freed,
    /// LuaJIT refuses variadic callbacks, and so do we.
    Variadic,
    /// libffi could not allocate executable closure memory, or the allocator's reserve
    /// (`crate::reserve`) is spent and cannot be taken again.
    OutOfClosureMemory,
    /// `ffi_prep_closure_loc` refused the signature.
    PrepareFailed(u32),
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Freed => f.write_str("bad callback: it has been freed"),
            CallbackError::Variadic => f.write_str("bad callback: variadic functions"),
            CallbackError::OutOfClosureMemory => f.write_str("not enough memory for a callback"),
            CallbackError::PrepareFailed(status) => {
                write!(f, "bad callback: libffi status {status}")
            }
        }
    }
}

impl std::error::Error for CallbackError {}

/// Why a library could not be loaded or a symbol resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibraryError {
    /// The loader refused the library; `message` is the loader's own (`dlerror`), which
    /// names the file, as LuaJIT reports it.
    LoadFailed { library: String, message: String },
    /// The symbol is not defined by the library: the loader's message when it gave one
    /// (`/path/libx.so: undefined symbol: x`, as LuaJIT reports it), else
    /// `undefined symbol: x`.
    UndefinedSymbol {
        symbol: String,
        message: Option<String>,
    },
}

impl fmt::Display for LibraryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibraryError::LoadFailed { library, message } => {
                if message.contains(library.as_str()) {
                    f.write_str(message)
                } else {
                    write!(f, "{library}: {message}")
                }
            }
            LibraryError::UndefinedSymbol {
                message: Some(message),
                symbol,
            } if message.contains(symbol.as_str()) => f.write_str(message),
            LibraryError::UndefinedSymbol { symbol, .. } => {
                write!(f, "undefined symbol: {symbol}")
            }
        }
    }
}

impl std::error::Error for LibraryError {}
