//! The C type registry: one interned type table addressed by [`CTypeId`], the two C
//! namespaces (ordinary identifiers and tags), transactions, and C-exact layout. No Luau.
//!
//! Every type is a [`CType`] node: qualifiers, an optional alignment override (from
//! `__attribute__((aligned(n)))` on a typedef) and a [`CTypeKind`]:
//!
//! | kind        | size comes from            | children               | name          |
//! |-------------|----------------------------|------------------------|---------------|
//! | `Void`      | none (incomplete)          | —                      | —             |
//! | `Bool`      | 1                          | —                      | —             |
//! | `Int`       | `size` (1, 2, 4, 8, 16)    | —                      | —             |
//! | `Float`     | `size` (4, 8, 16)          | —                      | —             |
//! | `Complex`   | `size` (8, 16, 32)         | —                      | —             |
//! | `Pointer`   | pointer width              | `target`               | —             |
//! | `Array`     | `len` × element, or none   | `elem`                 | —             |
//! | `Vector`    | `size`                     | `elem`                 | —             |
//! | `Function`  | none                       | `ret`, `params`        | —             |
//! | `Record`    | its [`RecordDef`] layout   | fields in `RecordDef`  | tag or anon   |
//! | `Enum`      | its [`EnumDef`] underlying | constants in `EnumDef` | tag or anon   |
//!
//! Typedefs are not types: a typedef name is a [`Symbol::Typedef`] naming an id, as in
//! LuaJIT (`ffi.typeof("size_t")` prints `uint64_t`). Structurally equal types are
//! interned to one id; every struct/union/enum definition is a new [`RecordDef`] or
//! [`EnumDef`], so two anonymous structs never share an id. `const T` is its own id
//! (qualifiers are part of the node), and a qualified array is an array of qualified
//! elements, as in C.

#![forbid(unsafe_code)]

mod hash;
pub mod layout;
mod spelling;

pub use hash::{FxHashMap, FxHashSet};

pub use layout::{LayoutRules, PackStack};

/// Largest size of any C type, as LuaJIT's `CTMAX_SIZE`-like limit (2 GiB − 1).
pub const MAX_TYPE_SIZE: u64 = 0x7fff_ffff;
/// Most types one registry may hold before `table overflow`.
pub const MAX_TYPES: usize = 1 << 24;
/// Largest alignment an `aligned(n)` attribute may ask for.
pub const MAX_ALIGN: u32 = 1 << 28;
/// Alignment of a bare `__attribute__((aligned))`: the largest the target ever needs.
pub const DEFAULT_MAX_ALIGN: u32 = 16;

/// Width of a data pointer on the target, in bytes.
pub const POINTER_SIZE: u32 = std::mem::size_of::<usize>() as u32;
/// Whether plain `char` is signed on the target, as its C compiler says: unsigned on
/// Linux (and other ELF) ARM, AArch64, PowerPC, s390x and RISC-V; signed on x86 and
/// x86-64, and on Apple's and Windows' ARM ABIs, which keep x86's signed `char`.
pub const CHAR_IS_SIGNED: bool = !cfg!(all(
    any(
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "riscv32",
        target_arch = "riscv64"
    ),
    not(target_vendor = "apple"),
    not(windows)
));
/// Size of C `long` on the target (LLP64 Windows: 4).
pub const LONG_SIZE: u8 = if cfg!(windows) { 4 } else { POINTER_SIZE as u8 };
/// Size and alignment of `long double` on the target: `double` itself with MSVC, on
/// Apple's arm64 ABI and on 32-bit ARM; 16 bytes on other 64-bit targets (x87's 80-bit
/// format padded on x86-64, mingw-w64's Windows included; IEEE binary128 on AArch64
/// Linux); x87's 12 on 32-bit x86.
pub const LONG_DOUBLE_SIZE: u8 = if cfg!(any(
    all(windows, target_env = "msvc"),
    all(target_arch = "aarch64", target_vendor = "apple"),
    target_arch = "arm"
)) {
    8
} else if cfg!(target_pointer_width = "64") {
    16
} else {
    12
};

/// Index of a type in the registry's type table (LuaJIT's `CTypeID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CTypeId(pub u32);

impl CTypeId {
    pub const VOID: CTypeId = CTypeId(0);
    pub const BOOL: CTypeId = CTypeId(1);
    /// Plain `char` (signed or not per [`CHAR_IS_SIGNED`]).
    pub const CHAR: CTypeId = CTypeId(2);
    /// The one-byte integer of the other signedness than plain `char`: `unsigned char`
    /// where char is signed, `signed char` where it is unsigned (LuaJIT has no third
    /// one-byte type: `char` is one of the two).
    pub const OTHER_CHAR: CTypeId = CTypeId(3);
    /// `unsigned char`: [`CTypeId::OTHER_CHAR`] where char is signed, else `char` itself.
    pub const UCHAR: CTypeId = if CHAR_IS_SIGNED {
        CTypeId::OTHER_CHAR
    } else {
        CTypeId::CHAR
    };
    pub const SHORT: CTypeId = CTypeId(4);
    pub const USHORT: CTypeId = CTypeId(5);
    pub const INT: CTypeId = CTypeId(6);
    pub const UINT: CTypeId = CTypeId(7);
    pub const INT64: CTypeId = CTypeId(8);
    pub const UINT64: CTypeId = CTypeId(9);
    pub const FLOAT: CTypeId = CTypeId(10);
    pub const DOUBLE: CTypeId = CTypeId(11);
    pub const LONG_DOUBLE: CTypeId = CTypeId(12);
    pub const COMPLEX_FLOAT: CTypeId = CTypeId(13);
    pub const COMPLEX_DOUBLE: CTypeId = CTypeId(14);
    pub const VOID_PTR: CTypeId = CTypeId(15);
    pub const CONST_CHAR: CTypeId = CTypeId(16);
    pub const CONST_CHAR_PTR: CTypeId = CTypeId(17);
    pub const CHAR_PTR: CTypeId = CTypeId(18);

    fn index(self) -> usize {
        self.0 as usize
    }
}

/// Type qualifiers kept on a type node (`restrict` is accepted and dropped, as LuaJIT).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Quals {
    pub is_const: bool,
    pub is_volatile: bool,
}

impl Quals {
    pub const NONE: Quals = Quals {
        is_const: false,
        is_volatile: false,
    };
    pub const CONST: Quals = Quals {
        is_const: true,
        is_volatile: false,
    };

    pub fn is_empty(self) -> bool {
        !self.is_const && !self.is_volatile
    }

    pub fn union(self, other: Quals) -> Quals {
        Quals {
            is_const: self.is_const || other.is_const,
            is_volatile: self.is_volatile || other.is_volatile,
        }
    }
}

/// `struct`, `union` or `enum`: the tag namespace's three kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TagKind {
    Struct,
    Union,
    Enum,
}

impl TagKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TagKind::Struct => "struct",
            TagKind::Union => "union",
            TagKind::Enum => "enum",
        }
    }
}

/// Length of an array type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayLen {
    /// `T[n]` (including `T[0]`).
    Fixed(u64),
    /// `T[]`: flexible array member or unsized array (size 0 inside a struct).
    Unsized,
    /// `T[?]`: variable-length array, its length given at `ffi.new` time.
    Variable,
}

/// Index into the registry's struct/union definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordId(pub u32);
/// Index into the registry's enum definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);

/// What kind of type a node is; see the table in the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CTypeKind {
    Void,
    Bool,
    /// An integer. `plain_char` marks plain `char` (spelled `char`).
    Int {
        size: u8,
        signed: bool,
        plain_char: bool,
    },
    Float {
        size: u8,
    },
    Complex {
        size: u8,
    },
    Pointer {
        target: CTypeId,
    },
    /// `T * __ptr32`: a 4-byte pointer (MSVC's; LuaJIT lays it out). Laid out only:
    /// its values are not converted.
    Pointer32 {
        target: CTypeId,
    },
    Array {
        elem: CTypeId,
        len: ArrayLen,
    },
    /// `__attribute__((vector_size(size)))` of `elem`.
    Vector {
        elem: CTypeId,
        size: u32,
    },
    Function {
        ret: CTypeId,
        params: Box<[CTypeId]>,
        variadic: bool,
    },
    Record(RecordId),
    Enum(EnumId),
}

/// One node of the type table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CType {
    pub kind: CTypeKind,
    pub quals: Quals,
    /// Alignment forced by `aligned(n)` on a typedef; 0 means the natural alignment.
    pub align_override: u32,
}

impl CType {
    pub fn plain(kind: CTypeKind) -> CType {
        CType {
            kind,
            quals: Quals::NONE,
            align_override: 0,
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self.kind,
            CTypeKind::Int { .. } | CTypeKind::Bool | CTypeKind::Enum(_)
        )
    }
}

/// One member of a struct or union, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// `None` for unnamed bitfields and transparent anonymous struct/union members.
    pub name: Option<String>,
    pub ty: CTypeId,
    /// Byte offset; for a bitfield, the offset of its storage unit.
    pub offset: u64,
    /// `(bit position in the unit, bit width)` for bitfields.
    pub bit: Option<(u32, u32)>,
}

/// A struct or union definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordDef {
    pub kind: TagKind,
    pub name: Option<String>,
    /// The unqualified type id of this record (anonymous records are spelled by it).
    pub id: CTypeId,
    pub complete: bool,
    pub size: u64,
    pub align: u32,
    pub fields: Vec<Field>,
    /// The last member is a VLA `T[?]`: the record is a variable-length struct.
    pub is_vls: bool,
    /// `static const` integer members (`struct s { static const int K = 1; }`): name,
    /// type and value bits, read through the ctype and its instances, as in LuaJIT.
    pub constants: Vec<(String, CTypeId, i64)>,
}

/// An enum definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDef {
    pub name: Option<String>,
    pub id: CTypeId,
    pub complete: bool,
    /// The integer type holding the values (gcc's choice, or `enum e : type`).
    pub underlying: CTypeId,
    pub constants: Vec<(String, i64)>,
}

/// Where a field was found by [`Registry::field`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    pub ty: CTypeId,
    /// Byte offset from the start of the aggregate (of the storage unit for bitfields).
    pub offset: u64,
    /// `(bit position in the unit, bit width)` for bitfields, as `ffi.offsetof` returns.
    pub bit: Option<(u32, u32)>,
}

/// An entry of the ordinary-identifier namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    Function {
        ty: CTypeId,
        asm_name: Option<String>,
    },
    Variable {
        ty: CTypeId,
        asm_name: Option<String>,
    },
    /// An enum constant or `static const` integer. `value` holds the bits; read it as
    /// `u64` when `ty` is unsigned.
    Constant {
        ty: CTypeId,
        value: i64,
    },
    Typedef(CTypeId),
}

/// One undo step of a transaction.
#[derive(Clone, Debug)]
enum Undo {
    Symbol(String, Option<Symbol>),
    Tag(String, Option<CTypeId>),
    TypedefName(CTypeId, Option<String>),
    Record(RecordId, RecordDef),
    Enum(EnumId, EnumDef),
}

/// Where a transaction began: table lengths and journal length.
#[derive(Clone, Copy, Debug)]
pub struct Transaction {
    types: usize,
    records: usize,
    enums: usize,
    journal: usize,
}

/// The type table and both namespaces.
#[derive(Clone, Debug)]
pub struct Registry {
    types: Vec<CType>,
    interned: FxHashMap<CType, CTypeId>,
    records: Vec<RecordDef>,
    enums: Vec<EnumDef>,
    symbols: FxHashMap<String, Symbol>,
    tags: FxHashMap<String, CTypeId>,
    /// The typedef naming each anonymous struct, union or enum (by its own id) that one
    /// names, for messages: the shortest, then the first in byte order.
    typedef_names: FxHashMap<CTypeId, String>,
    journal: Vec<Undo>,
    open_transactions: u32,
    /// Layout rules for records (SysV or MSVC).
    pub rules: LayoutRules,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

fn int(size: u8, signed: bool) -> CType {
    CType::plain(CTypeKind::Int {
        size,
        signed,
        plain_char: false,
    })
}

impl Registry {
    /// A registry holding the builtin types and the standard typedefs.
    pub fn new() -> Registry {
        let mut reg = Registry {
            types: Vec::with_capacity(256),
            interned: FxHashMap::with_capacity_and_hasher(256, Default::default()),
            records: Vec::new(),
            enums: Vec::new(),
            symbols: FxHashMap::with_capacity_and_hasher(64, Default::default()),
            tags: FxHashMap::default(),
            typedef_names: FxHashMap::default(),
            journal: Vec::new(),
            open_transactions: 0,
            rules: LayoutRules::native(),
        };
        let builtins = [
            CType::plain(CTypeKind::Void),
            CType::plain(CTypeKind::Bool),
            CType::plain(CTypeKind::Int {
                size: 1,
                signed: CHAR_IS_SIGNED,
                plain_char: true,
            }),
            int(1, !CHAR_IS_SIGNED),
            int(2, true),
            int(2, false),
            int(4, true),
            int(4, false),
            int(8, true),
            int(8, false),
            CType::plain(CTypeKind::Float { size: 4 }),
            CType::plain(CTypeKind::Float { size: 8 }),
            CType::plain(CTypeKind::Float {
                size: LONG_DOUBLE_SIZE,
            }),
            CType::plain(CTypeKind::Complex { size: 8 }),
            CType::plain(CTypeKind::Complex { size: 16 }),
            CType::plain(CTypeKind::Pointer {
                target: CTypeId::VOID,
            }),
        ];
        for ty in builtins {
            reg.intern(ty);
        }
        let const_char = reg.qualified(CTypeId::CHAR, Quals::CONST);
        debug_assert_eq!(const_char, CTypeId::CONST_CHAR);
        let ccp = reg.pointer_to(const_char);
        debug_assert_eq!(ccp, CTypeId::CONST_CHAR_PTR);
        let cp = reg.pointer_to(CTypeId::CHAR);
        debug_assert_eq!(cp, CTypeId::CHAR_PTR);

        let schar = reg.signed_char();
        let ptr_int = reg.int_type(POINTER_SIZE, true);
        let ptr_uint = reg.int_type(POINTER_SIZE, false);
        let wchar = if cfg!(windows) {
            CTypeId::USHORT
        } else if CHAR_IS_SIGNED {
            CTypeId::INT
        } else {
            CTypeId::UINT
        };
        let typedefs: [(&str, CTypeId); 19] = [
            ("int8_t", schar),
            ("uint8_t", CTypeId::UCHAR),
            ("int16_t", CTypeId::SHORT),
            ("uint16_t", CTypeId::USHORT),
            ("int32_t", CTypeId::INT),
            ("uint32_t", CTypeId::UINT),
            ("int64_t", CTypeId::INT64),
            ("uint64_t", CTypeId::UINT64),
            ("intptr_t", ptr_int),
            ("uintptr_t", ptr_uint),
            ("ptrdiff_t", ptr_int),
            ("size_t", ptr_uint),
            ("ssize_t", ptr_int),
            ("wchar_t", wchar),
            ("char16_t", CTypeId::USHORT),
            ("char32_t", CTypeId::UINT),
            ("va_list", CTypeId::VOID_PTR),
            ("__builtin_va_list", CTypeId::VOID_PTR),
            ("__gnuc_va_list", CTypeId::VOID_PTR),
        ];
        for (name, ty) in typedefs {
            reg.symbols.insert(name.to_string(), Symbol::Typedef(ty));
        }
        reg
    }

    // ----- type table -------------------------------------------------------------

    /// The type node of `id`. Panics on an id this registry never handed out.
    pub fn get(&self, id: CTypeId) -> &CType {
        &self.types[id.index()]
    }

    /// The type node of `id`, or `None` for a foreign id.
    pub fn try_get(&self, id: CTypeId) -> Option<&CType> {
        self.types.get(id.index())
    }

    /// Number of types in the table.
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    /// Number of names declared (ordinary identifiers and struct/union/enum tags).
    pub fn name_count(&self) -> usize {
        self.symbols.len() + self.tags.len()
    }

    /// The id of `ty`, adding it to the table if it is new. Panics past [`MAX_TYPES`];
    /// the parser checks [`Registry::is_full`] first.
    pub fn intern(&mut self, ty: CType) -> CTypeId {
        if let Some(&id) = self.interned.get(&ty) {
            return id;
        }
        self.push_type(ty)
    }

    fn push_type(&mut self, ty: CType) -> CTypeId {
        assert!(self.types.len() < MAX_TYPES, "C type table overflow");
        let id = CTypeId(self.types.len() as u32);
        self.types.push(ty.clone());
        self.interned.insert(ty, id);
        id
    }

    /// True when no further types can be added.
    pub fn is_full(&self) -> bool {
        self.types.len() + 64 >= MAX_TYPES
    }

    /// `T *` (a pointer to a function is a function pointer).
    pub fn pointer_to(&mut self, target: CTypeId) -> CTypeId {
        self.intern(CType::plain(CTypeKind::Pointer { target }))
    }

    /// `T[n]`, `T[]` or `T[?]`.
    /// `target * __ptr32`.
    pub fn pointer32_to(&mut self, target: CTypeId) -> CTypeId {
        self.intern(CType::plain(CTypeKind::Pointer32 { target }))
    }

    pub fn array_of(&mut self, elem: CTypeId, len: ArrayLen) -> CTypeId {
        self.intern(CType::plain(CTypeKind::Array { elem, len }))
    }

    /// `T __attribute__((vector_size(size)))`.
    pub fn vector_of(&mut self, elem: CTypeId, size: u32) -> CTypeId {
        self.intern(CType::plain(CTypeKind::Vector { elem, size }))
    }

    /// A function type. `f()` is `f(void)`, as in LuaJIT.
    pub fn function(&mut self, ret: CTypeId, params: Vec<CTypeId>, variadic: bool) -> CTypeId {
        self.intern(CType::plain(CTypeKind::Function {
            ret,
            params: params.into_boxed_slice(),
            variadic,
        }))
    }

    /// `id` with `quals` added. Qualifying an array qualifies its elements (C 6.7.3p9).
    pub fn qualified(&mut self, id: CTypeId, quals: Quals) -> CTypeId {
        if quals.is_empty() {
            return id;
        }
        let ty = self.get(id).clone();
        if let CTypeKind::Array { elem, len } = ty.kind {
            let elem = self.qualified(elem, quals);
            return self.intern(CType {
                kind: CTypeKind::Array { elem, len },
                ..ty
            });
        }
        let merged = ty.quals.union(quals);
        if merged == ty.quals {
            return id;
        }
        self.intern(CType {
            quals: merged,
            ..ty
        })
    }

    /// `id` without its top-level qualifiers (and alignment override).
    pub fn unqualified(&mut self, id: CTypeId) -> CTypeId {
        let ty = self.get(id);
        if ty.quals.is_empty() && ty.align_override == 0 {
            return id;
        }
        let kind = ty.kind.clone();
        self.intern(CType::plain(kind))
    }

    /// `id` without its top-level qualifiers, looked up without adding a type (a
    /// struct, union or enum gives its definition's id). `id` itself when that
    /// unqualified type is not in the table.
    pub fn find_unqualified(&self, id: CTypeId) -> CTypeId {
        let ty = self.get(id);
        if ty.quals.is_empty() && ty.align_override == 0 {
            return id;
        }
        if let Some(def) = self.record(id) {
            return def.id;
        }
        if let Some(def) = self.enumeration(id) {
            return def.id;
        }
        self.interned
            .get(&CType::plain(ty.kind.clone()))
            .copied()
            .unwrap_or(id)
    }

    /// A VLA `T[?]` or a VLS (a struct ending in one): its size needs an element count.
    pub fn is_variable_length(&self, id: CTypeId) -> bool {
        match self.get(id).kind {
            CTypeKind::Array {
                len: ArrayLen::Variable,
                ..
            } => true,
            CTypeKind::Record(_) => self.record(id).is_some_and(|def| def.is_vls),
            _ => false,
        }
    }

    /// `id` with its alignment forced to `align` (a typedef's `aligned(n)`).
    pub fn with_alignment(&mut self, id: CTypeId, align: u32) -> CTypeId {
        let ty = self.get(id).clone();
        self.intern(CType {
            align_override: align,
            ..ty
        })
    }

    /// The integer type of `size` bytes (1, 2, 4, 8, 16) and signedness.
    pub fn int_type(&mut self, size: u32, signed: bool) -> CTypeId {
        match (size, signed) {
            (1, true) => self.signed_char(),
            (1, false) => CTypeId::UCHAR,
            (2, true) => CTypeId::SHORT,
            (2, false) => CTypeId::USHORT,
            (4, true) => CTypeId::INT,
            (4, false) => CTypeId::UINT,
            (8, true) => CTypeId::INT64,
            (8, false) => CTypeId::UINT64,
            _ => self.intern(int(size as u8, signed)),
        }
    }

    /// `signed char`: the same type as `char` where char is signed (LuaJIT prints both
    /// as `char` on x86-64), [`CTypeId::OTHER_CHAR`] elsewhere.
    pub fn signed_char(&self) -> CTypeId {
        if CHAR_IS_SIGNED {
            CTypeId::CHAR
        } else {
            CTypeId::OTHER_CHAR
        }
    }

    /// Follows pointers? No: the element type of an array or vector, the target of a
    /// pointer.
    pub fn element_of(&self, id: CTypeId) -> Option<CTypeId> {
        match self.get(id).kind {
            CTypeKind::Array { elem, .. } | CTypeKind::Vector { elem, .. } => Some(elem),
            CTypeKind::Pointer { target } => Some(target),
            _ => None,
        }
    }

    // ----- records and enums ------------------------------------------------------

    /// A new, incomplete struct or union (`name` is its tag, if any).
    pub fn new_record(&mut self, kind: TagKind, name: Option<&str>) -> CTypeId {
        let rid = RecordId(self.records.len() as u32);
        let id = self.push_type(CType::plain(CTypeKind::Record(rid)));
        self.records.push(RecordDef {
            kind,
            name: name.map(str::to_string),
            id,
            complete: false,
            size: 0,
            align: 1,
            fields: Vec::new(),
            is_vls: false,
            constants: Vec::new(),
        });
        id
    }

    /// A new, incomplete enum.
    pub fn new_enum(&mut self, name: Option<&str>) -> CTypeId {
        let eid = EnumId(self.enums.len() as u32);
        let id = self.push_type(CType::plain(CTypeKind::Enum(eid)));
        self.enums.push(EnumDef {
            name: name.map(str::to_string),
            id,
            complete: false,
            underlying: CTypeId::UINT,
            constants: Vec::new(),
        });
        id
    }

    /// The struct/union definition behind `id` (through qualifiers).
    pub fn record(&self, id: CTypeId) -> Option<&RecordDef> {
        match self.get(id).kind {
            CTypeKind::Record(rid) => Some(&self.records[rid.0 as usize]),
            _ => None,
        }
    }

    /// The enum definition behind `id` (through qualifiers).
    pub fn enumeration(&self, id: CTypeId) -> Option<&EnumDef> {
        match self.get(id).kind {
            CTypeKind::Enum(eid) => Some(&self.enums[eid.0 as usize]),
            _ => None,
        }
    }

    /// Replaces a record's definition (journaled inside a transaction).
    pub fn set_record(&mut self, id: CTypeId, def: RecordDef) {
        let CTypeKind::Record(rid) = self.get(id).kind else {
            return;
        };
        let old = std::mem::replace(&mut self.records[rid.0 as usize], def);
        if self.open_transactions > 0 && (rid.0 as usize) < self.records.len() {
            self.journal.push(Undo::Record(rid, old));
        }
    }

    /// Replaces an enum's definition (journaled inside a transaction).
    pub fn set_enum(&mut self, id: CTypeId, def: EnumDef) {
        let CTypeKind::Enum(eid) = self.get(id).kind else {
            return;
        };
        let old = std::mem::replace(&mut self.enums[eid.0 as usize], def);
        if self.open_transactions > 0 {
            self.journal.push(Undo::Enum(eid, old));
        }
    }

    /// Lays out `fields` under the registry's rules and completes the record.
    pub fn complete_record(
        &mut self,
        id: CTypeId,
        fields: &[layout::FieldDecl],
        attrs: layout::RecordAttrs,
    ) -> Result<(), layout::LayoutError> {
        let Some(def) = self.record(id) else {
            return Err(layout::LayoutError::InvalidType);
        };
        let kind = def.kind;
        let name = def.name.clone();
        let laid = layout::lay_out(self, kind, fields, attrs)?;
        self.set_record(
            id,
            RecordDef {
                kind,
                name,
                id,
                complete: true,
                size: laid.size,
                align: laid.align,
                fields: laid.fields,
                is_vls: laid.is_vls,
                constants: Vec::new(),
            },
        );
        Ok(())
    }

    /// Gives a complete record its `static const` members (journaled).
    pub fn set_record_constants(&mut self, id: CTypeId, constants: Vec<(String, CTypeId, i64)>) {
        if let Some(def) = self.record(id) {
            let mut def = def.clone();
            def.constants = constants;
            self.set_record(id, def);
        }
    }

    /// The `static const` member `name` of the record `id` or of the record a pointer `id`
    /// points to (through qualifiers): its type and value bits.
    pub fn record_constant(&self, id: CTypeId, name: &str) -> Option<(CTypeId, i64)> {
        let record = match self.get(id).kind {
            CTypeKind::Pointer { target } => target,
            _ => id,
        };
        let def = self.record(record)?;
        def.constants
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|&(_, ty, value)| (ty, value))
    }

    // ----- namespaces -------------------------------------------------------------

    /// The ordinary identifier `name`: function, variable, constant or typedef.
    pub fn lookup_symbol(&self, name: &str) -> Option<Symbol> {
        self.symbols.get(name).cloned()
    }

    /// Borrowing variant of [`Registry::lookup_symbol`].
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols.get(name)
    }

    /// The struct/union/enum tagged `name`, if it is of `kind`.
    pub fn lookup_tag(&self, kind: TagKind, name: &str) -> Option<CTypeId> {
        let id = *self.tags.get(name)?;
        (self.tag_kind(id) == Some(kind)).then_some(id)
    }

    /// The struct/union/enum tagged `name`, whatever its kind.
    pub fn tag(&self, name: &str) -> Option<CTypeId> {
        self.tags.get(name).copied()
    }

    /// Whether `id` is a struct, union or enum.
    pub fn tag_kind(&self, id: CTypeId) -> Option<TagKind> {
        match self.get(id).kind {
            CTypeKind::Record(rid) => Some(self.records[rid.0 as usize].kind),
            CTypeKind::Enum(_) => Some(TagKind::Enum),
            _ => None,
        }
    }

    /// Binds an ordinary identifier (journaled inside a transaction).
    pub fn define_symbol(&mut self, name: &str, symbol: Symbol) {
        if let Symbol::Typedef(ty) = symbol {
            self.name_anonymous(name, ty);
        }
        let old = self.symbols.insert(name.to_string(), symbol);
        if self.open_transactions > 0 {
            self.journal.push(Undo::Symbol(name.to_string(), old));
        }
    }

    /// Records `name` as the typedef naming `ty` in messages when `ty` is an anonymous
    /// struct, union or enum itself (unqualified) and `name` is the best name so far
    /// (journaled inside a transaction).
    fn name_anonymous(&mut self, name: &str, ty: CTypeId) {
        if !self.get(ty).quals.is_empty() {
            return;
        }
        let own = match (self.record(ty), self.enumeration(ty)) {
            (Some(def), _) if def.name.is_none() => def.id,
            (None, Some(def)) if def.name.is_none() => def.id,
            _ => return,
        };
        let better = |old: &String| (name.len(), name) < (old.len(), old.as_str());
        if self.typedef_names.get(&own).is_some_and(|old| !better(old)) {
            return;
        }
        let old = self.typedef_names.insert(own, name.to_string());
        if self.open_transactions > 0 {
            self.journal.push(Undo::TypedefName(own, old));
        }
    }

    /// Binds a tag (journaled inside a transaction).
    pub fn define_tag(&mut self, name: &str, id: CTypeId) {
        let old = self.tags.insert(name.to_string(), id);
        if self.open_transactions > 0 {
            self.journal.push(Undo::Tag(name.to_string(), old));
        }
    }

    /// Iterates over all ordinary identifiers.
    pub fn symbols(&self) -> impl Iterator<Item = (&str, &Symbol)> {
        self.symbols.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Iterates over all tags.
    pub fn tags(&self) -> impl Iterator<Item = (&str, CTypeId)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Asks for room for `types` more types (the tables grow by doubling, which is a
    /// large allocation in a large registry); false when the system refuses it.
    pub fn try_reserve(&mut self, types: usize) -> bool {
        self.types.try_reserve(types).is_ok() && self.interned.try_reserve(types).is_ok()
    }

    // ----- transactions -----------------------------------------------------------

    /// Starts an all-or-nothing change; end it with [`Registry::commit`] or
    /// [`Registry::rollback`]. Cost is proportional to the change, not the registry.
    pub fn begin(&mut self) -> Transaction {
        self.open_transactions += 1;
        Transaction {
            types: self.types.len(),
            records: self.records.len(),
            enums: self.enums.len(),
            journal: self.journal.len(),
        }
    }

    /// Keeps everything since `txn`.
    pub fn commit(&mut self, txn: Transaction) {
        self.open_transactions = self.open_transactions.saturating_sub(1);
        if self.open_transactions == 0 {
            self.journal.clear();
        } else {
            let _ = txn;
        }
    }

    /// Undoes everything since `txn`.
    pub fn rollback(&mut self, txn: Transaction) {
        while self.journal.len() > txn.journal {
            match self.journal.pop().expect("journal entry") {
                Undo::Symbol(name, old) => match old {
                    Some(sym) => {
                        self.symbols.insert(name, sym);
                    }
                    None => {
                        self.symbols.remove(&name);
                    }
                },
                Undo::TypedefName(own, old) => match old {
                    Some(name) => {
                        self.typedef_names.insert(own, name);
                    }
                    None => {
                        self.typedef_names.remove(&own);
                    }
                },
                Undo::Tag(name, old) => match old {
                    Some(id) => {
                        self.tags.insert(name, id);
                    }
                    None => {
                        self.tags.remove(&name);
                    }
                },
                Undo::Record(rid, def) => {
                    if let Some(slot) = self.records.get_mut(rid.0 as usize) {
                        *slot = def;
                    }
                }
                Undo::Enum(eid, def) => {
                    if let Some(slot) = self.enums.get_mut(eid.0 as usize) {
                        *slot = def;
                    }
                }
            }
        }
        for ty in self.types.drain(txn.types..) {
            self.interned.remove(&ty);
        }
        self.records.truncate(txn.records);
        self.enums.truncate(txn.enums);
        self.open_transactions = self.open_transactions.saturating_sub(1);
    }

    // ----- layout queries ---------------------------------------------------------

    /// `sizeof`: `None` for void, functions, incomplete types and VLAs/VLS.
    ///
    /// A loop, not a recursion, down the element types: a chain of typedefs can nest
    /// arrays as deep as the type table allows.
    pub fn size_of(&self, id: CTypeId) -> Option<u64> {
        let mut id = id;
        let mut count: u64 = 1;
        loop {
            let ty = self.get(id);
            let size = match &ty.kind {
                CTypeKind::Void | CTypeKind::Function { .. } => return None,
                CTypeKind::Bool => 1,
                CTypeKind::Int { size, .. }
                | CTypeKind::Float { size }
                | CTypeKind::Complex { size } => *size as u64,
                CTypeKind::Pointer { .. } => POINTER_SIZE as u64,
                CTypeKind::Pointer32 { .. } => 4,
                CTypeKind::Array { elem, len } => match len {
                    ArrayLen::Fixed(n) => {
                        count = count.checked_mul(*n)?;
                        id = *elem;
                        continue;
                    }
                    ArrayLen::Unsized | ArrayLen::Variable => return None,
                },
                CTypeKind::Vector { size, .. } => *size as u64,
                CTypeKind::Record(rid) => {
                    let def = &self.records[rid.0 as usize];
                    if !def.complete || def.is_vls {
                        return None;
                    }
                    def.size
                }
                CTypeKind::Enum(eid) => {
                    id = self.enums[eid.0 as usize].underlying;
                    continue;
                }
            };
            return size.checked_mul(count);
        }
    }

    /// `alignof`: `None` for void, functions and incomplete records. A loop, as
    /// [`Registry::size_of`].
    pub fn align_of(&self, id: CTypeId) -> Option<u32> {
        let mut id = id;
        loop {
            let ty = self.get(id);
            if ty.align_override != 0 {
                return Some(ty.align_override);
            }
            return match &ty.kind {
                CTypeKind::Void | CTypeKind::Function { .. } => None,
                CTypeKind::Bool => Some(1),
                CTypeKind::Int { size, .. } | CTypeKind::Float { size } => Some(*size as u32),
                CTypeKind::Complex { size } => Some(*size as u32 / 2),
                CTypeKind::Pointer { .. } => Some(POINTER_SIZE),
                CTypeKind::Pointer32 { .. } => Some(4),
                CTypeKind::Array { elem, .. } => {
                    id = *elem;
                    continue;
                }
                CTypeKind::Vector { size, .. } => Some((*size).max(1)),
                CTypeKind::Record(rid) => {
                    let def = &self.records[rid.0 as usize];
                    def.complete.then_some(def.align)
                }
                CTypeKind::Enum(eid) => {
                    id = self.enums[eid.0 as usize].underlying;
                    continue;
                }
            };
        }
    }

    /// Size of a VLA `T[?]` or a VLS (struct whose last member is `T[?]`) with
    /// `nelem` elements; for any other sized type, its size.
    pub fn size_of_vla(&self, id: CTypeId, nelem: u64) -> Option<u64> {
        let ty = self.get(id);
        match &ty.kind {
            CTypeKind::Array {
                elem,
                len: ArrayLen::Variable | ArrayLen::Unsized,
            } => self.size_of(*elem)?.checked_mul(nelem),
            CTypeKind::Record(rid) => {
                let def = &self.records[rid.0 as usize];
                if !def.complete {
                    return None;
                }
                if !def.is_vls {
                    return Some(def.size);
                }
                let last = def.fields.last()?;
                let elem = self.element_of(last.ty)?;
                let end = last
                    .offset
                    .checked_add(self.size_of(elem)?.checked_mul(nelem)?)?;
                let align = def.align as u64;
                Some(end.max(def.size).div_ceil(align) * align)
            }
            _ => self.size_of(id),
        }
    }

    /// The member `name` of a struct/union (searching transparent anonymous members).
    pub fn field(&self, aggregate: CTypeId, name: &str) -> Option<FieldInfo> {
        let def = self.record(aggregate)?;
        for field in &def.fields {
            match &field.name {
                Some(n) if n == name => {
                    return Some(FieldInfo {
                        ty: field.ty,
                        offset: field.offset,
                        bit: field.bit,
                    });
                }
                None if field.bit.is_none() => {
                    if let Some(inner) = self.field(field.ty, name) {
                        return Some(FieldInfo {
                            offset: inner.offset + field.offset,
                            ..inner
                        });
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The C spelling of `id`, as LuaJIT's `tostring(ctype)` shows it (except that
    /// function parameters are spelled out, where LuaJIT prints `()`).
    pub fn c_name(&self, id: CTypeId) -> String {
        spelling::c_name(self, id)
    }

    /// The C spelling of `id` for messages: as [`Registry::c_name`], but an anonymous
    /// struct, union or enum that a typedef names is spelled by the typedef (`vec2`
    /// where `tostring` and LuaJIT say `struct 19`).
    pub fn message_name(&self, id: CTypeId) -> String {
        spelling::message_name(self, id)
    }

    /// [`Registry::c_name_pointer`] for messages, as [`Registry::message_name`].
    pub fn message_name_pointer(&self, id: CTypeId) -> String {
        spelling::message_name_pointer(self, id)
    }

    /// The typedef naming the anonymous struct, union or enum whose own id is `id` (not
    /// a pointer to it, not a qualified copy): the shortest, then the first in byte
    /// order when several do.
    pub fn typedef_name_of(&self, id: CTypeId) -> Option<&str> {
        self.typedef_names.get(&id).map(String::as_str)
    }

    /// The C spelling of a reference to `id` (`struct s &`, `int (&)[2]`).
    pub fn c_name_ref(&self, id: CTypeId) -> String {
        spelling::c_name_ref(self, id)
    }

    /// The C spelling of a pointer to `id` (`int (*)(int)`, `int *`), without interning
    /// the pointer type.
    pub fn c_name_pointer(&self, id: CTypeId) -> String {
        spelling::c_name_pointer(self, id)
    }
}
